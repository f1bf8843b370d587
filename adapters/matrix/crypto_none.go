//go:build !goolm

package matrix

import "context"

// setupCrypto: this binary was built without -tags goolm and cannot encrypt. Encrypted rooms
// get a notice (see refuseEncrypted), new rooms are created unencrypted.
func setupCrypto(_ context.Context, a *Adapter, opts Options) (cryptoState, error) {
	a.log.Warn().Msg("matrix: built without -tags goolm: end-to-end encrypted rooms are refused")
	return nil, nil
}
