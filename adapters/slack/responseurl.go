package slack

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/wolbot/wolbot/adapters"
)

// responseURLTTL is how long a response_url is used; Slack accepts it for 30 minutes.
const responseURLTTL = 25 * time.Minute

// responseURLs remembers the response_url of each user's latest slash command or click per
// channel. It lets [Adapter.Ephemeral] still reach a user in a channel the bot is not a member
// of, where chat.postEphemeral fails: the answer is not lost, and the log says why.
type responseURLs struct {
	now func() time.Time

	mu   sync.Mutex
	urls map[[2]string]responseURL // {channel, user} → latest response_url
}

type responseURL struct {
	url     string
	expires time.Time
}

func newResponseURLs(now func() time.Time) *responseURLs {
	return &responseURLs{now: now, urls: make(map[[2]string]responseURL)}
}

func (r *responseURLs) put(channel, user, url string) {
	if url == "" || channel == "" || user == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.urls) >= maxCached {
		r.urls = make(map[[2]string]responseURL)
	}
	r.urls[[2]string{channel, user}] = responseURL{url: url, expires: r.now().Add(responseURLTTL)}
}

func (r *responseURLs) get(channel, user string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.urls[[2]string{channel, user}]
	if !ok || r.now().After(e.expires) {
		return ""
	}
	return e.url
}

// responseURLOK reports whether a response_url points where Slack's do: https on
// hooks.slack.com or slack.com, or under SLACK_API_URL when that is set to something else (a
// proxy, a test server). Any other URL would let whoever can have a request delivered to the
// bot make it post a user's private answer to an address of their choosing.
func (a *Adapter) responseURLOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Fragment != "" || u.RawPath != "" || strings.Contains(u.Path, "/..") {
		return false
	}
	host := strings.ToLower(u.Host)
	if u.Scheme == "https" && (host == "hooks.slack.com" || host == "slack.com") {
		return true
	}
	api, err := url.Parse(a.opts.APIURL)
	if err != nil || strings.EqualFold(api.Host, "slack.com") {
		return false
	}
	return u.Scheme == api.Scheme && strings.EqualFold(u.Host, api.Host) && strings.HasPrefix(u.Path, api.Path)
}

// viaResponseURL posts msg ephemerally to the response_url remembered for channel and user.
// It reports false if there is none or the post failed.
func (a *Adapter) viaResponseURL(ctx context.Context, channel, user string, msg adapters.Message) bool {
	u := a.responses.get(channel, user)
	if u == "" {
		return false
	}
	text, blocks := render(msg)
	err := a.call(ctx, "response_url", func(ctx context.Context) error {
		return slack.PostWebhookCustomHTTPContext(ctx, u, a.opts.HTTPClient, &slack.WebhookMessage{
			Text: text, Blocks: &slack.Blocks{BlockSet: blocks}, ResponseType: slack.ResponseTypeEphemeral,
		})
	})
	if err != nil {
		a.log.Warn().Err(err).Str("channel", channel).Msg("answer via response_url failed too")
		return false
	}
	return true
}
