package config

// Config is ferry's whole configuration file. Load, Parse and Default return
// it with every default filled in.
type Config struct {
	// Host names this machine; default os.Hostname(). Routes with an empty
	// host are scanned here. "any" is reserved (see Route.Host).
	Host string `yaml:"host"`
	// StateDir holds the JetStream store and the rclone cache.
	StateDir string  `yaml:"state_dir"`
	NATS     NATS    `yaml:"nats"`
	Rclone   Rclone  `yaml:"rclone"`
	Metrics  Metrics `yaml:"metrics"`
	Routes   []Route `yaml:"routes"`
	Retry    Retry   `yaml:"retry"`
	// RescanInterval is how often sources are listed again.
	RescanInterval Duration `yaml:"rescan_interval"`
	// StaleAfter: a ledger record not updated for this long is announced
	// again, because its job was lost. Must exceed retry.ack_wait.
	StaleAfter Duration `yaml:"stale_after"`
	// MaxQueued bounds the messages of a route and host that the watcher's
	// scans leave queued; past it, closed files wait on disk for a later
	// pass, so a backlog of millions is never all in the bus at once.
	MaxQueued int     `yaml:"max_queued"`
	Mover     Workers `yaml:"mover"`
	Verifier  Workers `yaml:"verifier"`
	Ledger    Ledger  `yaml:"ledger"`
	Events    Events  `yaml:"events"`
	// ShutdownGrace bounds how long any command takes to stop once told to
	// (SIGTERM, SIGINT, --timeout); jobs in flight get half of it to finish.
	ShutdownGrace Duration `yaml:"shutdown_grace"`

	deprecated []string // see Deprecations
}

// Ledger says how long the ledger remembers files.
type Ledger struct {
	// Keep is how long a moved file's record stays, for `ferry status`;
	// then it expires, so the ledger does not grow with every file ever
	// moved. 0 keeps records for ever. It is the max age of the archive
	// (FERRY_ARCHIVE), where a moved file's record goes a minute after the
	// move. Records of files still in flight, failed, or verified with
	// their source kept never expire.
	Keep Duration `yaml:"keep"`
}

// Events says how long arrival events (ferry.events.moved.<route>, one per
// verified file) stay in their stream for consumers that read them late.
type Events struct {
	// Keep is the stream's max age; older events are dropped. At least 1m,
	// or 0 for no events at all (one durable write per file less).
	Keep Duration `yaml:"keep"`
}

// NATS says how to reach the bus, or what to serve when URL is empty.
type NATS struct {
	// URL is a comma-separated list of nats:// URLs; empty runs an embedded
	// server in-process. See Config.NATSURLs.
	URL string `yaml:"url"`
	// Replicas of every stream and KV bucket, 1..5.
	Replicas int `yaml:"replicas"`
	// At most one way to authenticate: a .creds file, user and password,
	// or an nkey seed file.
	Creds    string     `yaml:"creds"`
	User     string     `yaml:"user"`
	Password string     `yaml:"password"` // secret: see Config.Redacted
	NKey     string     `yaml:"nkey"`
	TLS      TLS        `yaml:"tls"`
	Server   NATSServer `yaml:"server"`
}

// TLS names PEM files. Cert and Key are set both or neither.
type TLS struct {
	CA   string `yaml:"ca"`
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// NATSServer is what `ferry nats` serves, and `ferry run` when nats.url is empty.
type NATSServer struct {
	// Name of the server; default the host.
	Name string `yaml:"name"`
	// Listen is the client listener host:port; empty means none (in-process
	// connections only, for `ferry run`).
	Listen string `yaml:"listen"`
	// HTTP is the optional monitoring listener host:port.
	HTTP    string  `yaml:"http"`
	Cluster Cluster `yaml:"cluster"`
}

// Cluster joins the server to other NATS servers.
type Cluster struct {
	// Name is required when Listen is set.
	Name   string `yaml:"name"`
	Listen string `yaml:"listen"`
	// Routes are nats:// URLs of the other servers' cluster listeners.
	Routes []string `yaml:"routes,omitempty"`
}

// Rclone says where the rclone remotes come from, in this order (see
// doc.go): Secrets, then Config, else ./.rclone.conf, else rclone's usual
// path; RCLONE_CONFIG_<REMOTE>_<OPTION> variables apply on top.
type Rclone struct {
	// Config is an rclone config file.
	Config string `yaml:"config"`
	// Secrets name AWS Secrets Manager secrets (names or ARNs), each
	// holding rclone config text or JSON {"remote": {"type": ...}}. Their
	// remotes are held in memory only; a remote two secrets define is an
	// error, and one a secret defines wins over the file's.
	Secrets []string `yaml:"secrets,omitempty"`
	// Region of Secrets Manager; empty means the AWS default (AWS_REGION,
	// the profile). Credentials always come from the default chain
	// (instance role, environment, profile): never from this file.
	Region string `yaml:"region"`
	// Endpoint overrides Secrets Manager's URL (a VPC endpoint); optional.
	Endpoint string `yaml:"endpoint"`
	// Refresh is how often the secrets are read again (rotation); SIGHUP
	// reads them at once. Default 1h.
	Refresh Duration `yaml:"refresh"`
	// Deprecated: SecretID and SecretRegion, the keys before secrets and
	// region, are still read: a non-empty secret_id becomes the only
	// entry of secrets, secret_region the region (see Deprecations).
	SecretID     string `yaml:"secret_id,omitempty"`
	SecretRegion string `yaml:"secret_region,omitempty"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Listen is host:port; empty disables metrics.
	Listen string `yaml:"listen"`
}

// Retry bounds how often a failed job is tried again.
type Retry struct {
	// MaxAttempts counts the first attempt too.
	MaxAttempts int `yaml:"max_attempts"`
	// AckWait is how long a job may run unacknowledged before redelivery.
	AckWait Duration `yaml:"ack_wait"`
	// Backoff lists the delays after the 1st, 2nd, ... failed attempt; when
	// it is shorter, its last entry repeats. Empty means no delay. The worker
	// applies it (worker.Policy.Delay).
	Backoff []Duration `yaml:"backoff"`
}

// Workers sizes a role's worker pool.
type Workers struct {
	// Concurrency is the number of jobs run at once, 1..64.
	Concurrency int `yaml:"concurrency"`
}
