package main

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/wolbot/wolbot/circles"
	"github.com/wolbot/wolbot/storage"
)

// matrixCursor keeps the Matrix adapter's sync position in Redis under
// wolbot:<ns>:matrix:next_batch, one per installation (namespace), shared by its replicas: any
// replica's latest position is a good place for the next start to go on from, and the core
// drops an event that two replicas both handle.
type matrixCursor struct{ store *storage.Store }

func (c matrixCursor) key() string { return c.store.Key("matrix", "next_batch") }

func (c matrixCursor) LoadNextBatch(ctx context.Context) (string, error) {
	s, err := c.store.Client.Get(ctx, c.key()).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return s, err
}

func (c matrixCursor) SaveNextBatch(ctx context.Context, token string) error {
	return c.store.Client.Set(ctx, c.key(), token, 0).Err()
}

// matrixCommands are the words a "!word" message in a Matrix room may start with: the
// features' commands and aliases as serve registers them, and the router's own.
func matrixCommands() []string {
	words := []string{"lc", "impuls", "impulse", "impulses", circles.Name, "daten", "data", "vergessen", "forget",
		"help", "hilfe", "lang", "sprache"}
	return append(words, circles.Aliases...)
}
