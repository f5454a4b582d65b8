// Package notify delivers the server's events to webhooks: teams register an HTTPS (or HTTP)
// endpoint, a secret and an event filter, and every event of the team that passes the filter
// is POSTed to it, signed, retried with exponential backoff and jitter, at least once.
//
// # Delivery
//
// Events are written by package portfolio to the events table (the outbox) in the transaction
// that causes them. Run fans each new event out to one delivery row per matching webhook (same
// team; event type in the webhook's filter, or an empty filter; webhook created no later than
// the event), claims due deliveries, and sends them. All state is in the database, so delivery
// survives restarts, and several replicas may run Run on one database: fan-out is serialised
// by a lock on the cursor row (SQLite: the write lock), and a delivery is claimed by one
// replica for a lease (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED) that expires if the
// replica dies, so another one retries it. A delivery therefore reaches its receiver at least
// once; receivers deduplicate with the X-Hallmark-Delivery header, which is the same across
// retries. Deliveries are not ordered.
//
// Each replica has at most 128 requests in flight. How many go to one webhook adapts to how
// its receiver answers: 2 to a webhook not heard from, one more per answer up to 32, and one
// at a time (probing) after a request that got no answer (a timeout, no connection) or, for
// a webhook not heard from, after a failed attempt recorded in Webhook.LastError; those
// failing webhooks have 32 at most together. So receivers that hang hold a few requests each
// and the other webhooks' deliveries go on around them.
//
// Run starts a pass when Wake is called, every Options.Poll, and, on PostgreSQL, when any
// transaction that wrote events commits on any replica: a trigger on the events table
// (migration 0011) sends a notification on channel hallmark_events, which Run listens for on a
// connection of its own.
//
// PostgreSQL hands out event IDs before commit, so events may commit out of ID order. The
// fan-out cursor (the ID below which every event is fanned out) therefore stops at a missing
// ID, events beyond it are fanned out anyway and remembered, and the cursor passes the missing
// ID only once every transaction that was running when it was seen has ended (the snapshot's
// xmin has passed the xmax recorded then): a late commit is never skipped. A long transaction
// anywhere on the server delays that bookkeeping, not the deliveries.
//
// Once an hour, one replica at a time (see Options.Leases) removes the deliveries delivered
// more than Retention ago, and the events older than Options.EventRetention whose deliveries
// are all finished, with those deliveries (the failed ones too).
//
// A 2xx answer marks a delivery delivered. Any other answer, a redirect, or a transport error
// schedules a retry after Options.Backoff; after Options.MaxAttempts attempts the delivery is
// failed, listed by Deliveries with failedOnly and counted in Webhook.Failing.
//
// # The request
//
//	POST <url>
//	Content-Type: application/json
//	User-Agent: hallmark-webhook/1
//	X-Hallmark-Event: finding.opened
//	X-Hallmark-Delivery: 1234-56          (event ID "-" webhook ID: the idempotency key)
//	X-Hallmark-Timestamp: 1795660800      (Unix seconds of this attempt)
//	X-Hallmark-Signature: sha256=<hex>
//
//	<the event's JSON payload>
//
// The signature is the lowercase hex HMAC-SHA256, keyed with the webhook's secret, of the
// timestamp, a period, and the body bytes exactly as received:
//
//	hex(HMAC-SHA256(secret, timestamp + "." + body))
//
// Receivers check it with Verify (or the same computation in their language, comparing in
// constant time) and should refuse timestamps more than a few minutes away from their clock
// (CheckTimestamp), which bounds replays of a captured request.
//
// # Safety
//
// Webhook URLs must be http or https without credentials. Unless Options.AllowPrivateUnsafe
// is set, URLs naming loopback, private, link-local or other non-public addresses are refused,
// and the default client refuses to connect to such an address whatever a name resolves to at
// send time; it uses no proxy and follows no redirect. Each request has a timeout
// (Options.Timeout) and at most MaxResponse bytes of the answer are read. Secrets are stored
// as given (signing needs them) and never returned.
package notify

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hallmark-dev/hallmark/store"
)

// Event types a webhook may subscribe to.
var EventTypes = []string{"finding.opened", "finding.resolved"}

// Limits.
const (
	MaxURL             = 2048     // bytes of a webhook URL
	MinSecret          = 16       // bytes of a secret, at least
	MaxSecret          = 1024     // bytes of a secret, at most
	MaxWebhooksPerTeam = 100      // active webhooks of one team
	MaxResponse        = 64 << 10 // bytes of a receiver's answer read (the rest is discarded unread)
	maxErrorText       = 512      // bytes of an error kept in last_error
	defaultTimeout     = 10 * time.Second
)

// Delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateFailed    = "failed"
)

// Webhook is an endpoint registered by a team. Its secret is never returned.
type Webhook struct {
	ID     int64  `json:"id"`
	TeamID int64  `json:"team_id"`
	URL    string `json:"url"`
	// Events are the event types delivered; empty means all.
	Events  []string  `json:"events"`
	Created time.Time `json:"created"`
	// LastError is the error of the latest attempt to deliver to the webhook, "" when that
	// attempt succeeded (or none was made).
	LastError string `json:"last_error"`
	// Failing counts the deliveries given up after Options.MaxAttempts attempts (of the
	// events not removed yet: see Options.EventRetention).
	Failing int `json:"failing"`
}

// Delivery is one event on its way to one webhook.
type Delivery struct {
	ID        int64  `json:"id"`
	WebhookID int64  `json:"webhook_id"`
	EventID   int64  `json:"event_id"`
	EventType string `json:"event_type"`
	// Key is the idempotency key sent as X-Hallmark-Delivery, the same on every attempt.
	Key      string `json:"key"`
	State    string `json:"state"` // StatePending, StateDelivered or StateFailed
	Attempts int    `json:"attempts"`
	// NextAttempt is when a pending delivery is tried next.
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	// LastStatus is the HTTP status of the latest attempt, 0 when it got no answer.
	LastStatus int        `json:"last_status,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	Delivered  *time.Time `json:"delivered,omitempty"`
	Created    time.Time  `json:"created"`
}

// Options configure a Notifier. The zero value is the production configuration.
type Options struct {
	// Client sends the requests. Nil means a client that refuses non-public addresses (unless
	// AllowPrivateUnsafe), uses no proxy and follows no redirect. A caller's client is used as
	// it is, except that redirects are never followed.
	Client *http.Client
	// Poll is how often the database is checked for new events and due retries when Wake is
	// not called; 0 means 1 second.
	Poll time.Duration
	// MaxAttempts is the number of attempts before a delivery is failed; 0 means 12 (with the
	// default backoff, about a day).
	MaxAttempts int
	// Backoff returns the wait before the next attempt after attempt failed ones (1, 2, …);
	// nil means DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// Timeout bounds each request, answer included; 0 means 10 seconds.
	Timeout time.Duration
	// Logger receives delivery failures and database errors; nil means slog.Default().
	Logger *slog.Logger
	// EventRetention is how long events (the outbox) are kept: once an event is older and
	// its deliveries are all finished (delivered or given up), it is removed with them. 0
	// means DefaultEventRetention; a negative value keeps events forever.
	EventRetention time.Duration
	// Leases, when set, lets one replica at a time remove old deliveries and events (once an
	// hour); Holder names this replica in its leases. Nil means every replica does, which is
	// correct but repeats the work.
	Leases Leaser
	Holder string
	// AllowPrivateUnsafe permits webhooks on loopback and private addresses. It lets anyone
	// who may register a webhook make the server send requests into its own network; tests
	// and single-machine setups only.
	AllowPrivateUnsafe bool
}

// Notifier registers webhooks and delivers events to them.
type Notifier struct {
	st   *store.DB
	opts Options
	log  *slog.Logger
	// client sends requests; it never follows redirects.
	client *http.Client
	wake   chan struct{}
	now    func() time.Time
	// idle, when set (by tests), is called after each pass of Run.
	idle func()
	// settle is how long a gap in event IDs is watched before it is judged (gapSettle).
	settle time.Duration
	// eventBatch is how many events pruneEvents removes per statement.
	eventBatch int
	// relisten is how long a failed listener waits before it connects again.
	relisten time.Duration
	// listening, when set (by tests), is called each time the listener has started listening.
	listening func()
	// slots shares the request slots among webhooks and remembers how each one answers; only
	// the goroutine running pass uses it.
	slots *slots

	// mu guards gaps and lastHook.
	mu sync.Mutex
	// lastHook is the webhook served last by claim, which serves webhooks in turn.
	lastHook int64
	// gaps remembers, per missing event ID above the cursor, when the gap was seen and the
	// PostgreSQL snapshot bound after which no transaction that could fill it is running.
	gaps map[int64]*gap
}

// ErrURL is wrapped by the errors of webhook URLs that are refused.
var ErrURL = errors.New("webhook URL refused")

// New returns a Notifier over st (with migration 0007 applied).
func New(st *store.DB, opts Options) *Notifier {
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 12
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.EventRetention == 0 {
		opts.EventRetention = DefaultEventRetention
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Notifier{
		st:         st,
		opts:       opts,
		log:        log.With("component", "notify"),
		client:     newClient(opts.Client, opts.AllowPrivateUnsafe),
		wake:       make(chan struct{}, 1),
		now:        time.Now,
		settle:     gapSettle,
		eventBatch: eventBatch,
		relisten:   relisten,
		gaps:       map[int64]*gap{},
		slots:      newSlots(),
	}
}

// Wake tells Run that an event was written: it fans out and delivers now instead of at the
// next poll. It never blocks. On PostgreSQL, Run is also woken, on every replica, when any
// transaction that wrote events commits (LISTEN/NOTIFY; see Run).
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
