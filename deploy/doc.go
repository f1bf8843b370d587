// Package deploy checks the deployment files at the root of the repository:
// docker-compose.yml, Dockerfile, .env.example and .dockerignore.
//
// It holds no code of wolbot itself, only tests, and they need no Docker engine: they parse
// the files (the compose file with gopkg.in/yaml.v3) and check what the README's
// "Deployment with Docker Compose" promises — every image pinned to a release, Redis with an
// append-only file on a named volume, persistent volumes for PostgreSQL and Mattermost, a
// health check on every service, wolbot built from the multi-stage Dockerfile as a static
// binary running as a non-root user in a read-only container, start-up order by health, only
// Mattermost's port published — and that the wiring agrees across the files: every variable
// the compose file uses is documented in .env.example, every wolbot variable there is one
// that cmd/wolbot reads (its settings table) and reaches the wolbot container, the Go
// version of the build image is the one in go.mod, and the build context keeps every file
// the binary needs (including the embedded impulse library) but never .env.
//
// Run them with
//
//	go test ./deploy/
//
// What they cannot show is that the stack runs: for that, follow the README's steps on a
// machine with Docker.
package deploy
