package matrix

import (
	"context"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// cryptoState is end-to-end encryption as the adapter uses it. setupCrypto (crypto_goolm.go,
// crypto_none.go) returns nil when the binary cannot encrypt.
type cryptoState interface {
	// Init loads or creates the device's keys and hooks decryption into the client's syncer.
	Init(ctx context.Context) error
	// Decrypt decrypts an m.room.encrypted event fetched outside /sync.
	Decrypt(ctx context.Context, evt *event.Event) (*event.Event, error)
	// Fresh reports whether the key database was created by this process: then the room state
	// the encryption needs (who is in a room, which rooms are encrypted) must come from a full
	// sync.
	Fresh() bool
	Close() error
}

// noEncryptionNotice is posted once per encrypted room (per process) by a binary without
// encryption, in both languages: the adapter has no user to ask for a language.
const noEncryptionNotice = "⚠️ Dieser Raum ist Ende-zu-Ende-verschlüsselt. Diese wolbot-Installation kann keine verschlüsselten Nachrichten lesen; bitte wenden Sie sich an die Administration (Build mit `-tags goolm`).\n\n" +
	"⚠️ This room is end-to-end encrypted. This wolbot installation cannot read encrypted messages; please contact your administrators (build with `-tags goolm`)."

// encryptionState is the initial state that turns encryption on in a new room, when the
// binary can encrypt; a room the bot could not read is worse than an unencrypted one.
func (a *Adapter) encryptionState() []*event.Event {
	if a.crypto == nil {
		a.log.Warn().Msg("matrix: creating a room without encryption: this binary was built without -tags goolm")
		return nil
	}
	return []*event.Event{{
		Type:    event.StateEncryption,
		Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}},
	}}
}

// refuseEncrypted handles an m.room.encrypted event in the timeline. With encryption the
// syncer has dispatched its decrypted copy already (or logged why it could not); without,
// the bot says loudly, once per room and process, that it cannot read the room.
func (a *Adapter) refuseEncrypted(ctx context.Context, evt *event.Event) {
	if a.crypto != nil {
		return
	}
	a.mu.Lock()
	told := a.toldEncrypted[evt.RoomID]
	if len(a.toldEncrypted) > 10000 {
		clear(a.toldEncrypted)
	}
	a.toldEncrypted[evt.RoomID] = true
	a.mu.Unlock()
	a.log.Error().Str("room", evt.RoomID.String()).Msg("matrix: encrypted message ignored: this binary was built without -tags goolm and cannot decrypt")
	if told {
		return
	}
	c := map[string]any{"msgtype": event.MsgNotice, "body": noEncryptionNotice, "m.mentions": map[string]any{}}
	if _, err := a.cli.SendMessageEvent(ctx, evt.RoomID, event.EventMessage, c); err != nil {
		a.log.Warn().Err(err).Msg("matrix: could not post the no-encryption notice")
	}
}
