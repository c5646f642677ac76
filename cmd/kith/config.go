package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kith-social/kith/federation/mailer"
	"github.com/kith-social/kith/federation/mediastore"
	"github.com/kith-social/kith/storage/queue"
)

// Config is everything a kith process is told at start-up. Every subcommand
// takes the same settings, so `kith group create demo --data DIR` and
// `kith serve --data DIR` use the same database.
type Config struct {
	Listen               string // address to serve HTTP on
	MetricsListen        string // address to serve /metrics on; empty: no metrics
	Domain               string // public host[:port] the node's IRIs use
	Data                 string // directory for the SQLite file and uploads
	DatabaseURL          string // empty: SQLite in Data; postgres://…: PostgreSQL
	InsecureHTTP         bool   // own IRIs use http:// and plain HTTP to other servers is allowed
	AllowPrivateNetworks bool   // outgoing requests may reach loopback and private addresses
	AuthorizedFetch      bool   // objects answer GETs only when signed
	LogLevel             slog.Level
	SMTPURL              string        // smtp://user:pass@host:587 or smtps://…; empty: no e-mail
	SMTPFrom             string        // sender address of notification e-mails
	LocalTrial           bool          // no --domain given: plain http:// on the listen address
	DomainGiven          bool          // --domain (or KITH_DOMAIN) was set, not derived from --listen
	DeliveryWorkers      int           // deliveries of one activity to one inbox at once (retries, answers)
	InboxWorkers         int           // received activities processed at once
	InboxRate            int           // inbox POSTs per client IP and minute
	InboxServerRate      int           // inbox POSTs per verified signing server and minute
	JobRescueAfter       time.Duration // a job running this long belongs to a dead process and is run again
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Real-IP headers name the client; empty (not nil) trusts none.
	TrustedProxies   []netip.Prefix
	MediaCacheSize   int64         // bytes of other servers' images kept in DATA/media-cache
	MediaMaxFileSize int64         // largest remote image fetched, in bytes
	MediaRetryAfter  time.Duration // how long a failed image fetch is remembered
	// MediaStore is where uploads and cached images live: "" for the data
	// directory, or s3://BUCKET[/PREFIX]?endpoint=…&region=…&path-style=true.
	MediaStore     string
	MediaPublicURL string // where public pages link uploads (a CDN before the bucket); "": the node's /media/
}

// setting describes one configuration value: its flag, its environment
// variable (the config file uses the same names), its default and help.
type setting struct {
	flag, env, def, help string
	isBool               bool
}

var settings = []setting{
	{flag: "listen", env: "KITH_LISTEN", def: "127.0.0.1:8080", help: "address to listen on (host:port)"},
	{flag: "metrics-listen", env: "KITH_METRICS_LISTEN", def: "", help: "address (host:port) to serve Prometheus metrics on at /metrics, apart from the public listener, e.g. 127.0.0.1:9464; empty: no metrics"},
	{flag: "domain", env: "KITH_DOMAIN", def: "", help: "public host name of the node, as in @group@DOMAIN (default: the listen address, for local trials)"},
	{flag: "data", env: "KITH_DATA", def: "./data", help: "data directory: SQLite database and uploaded media"},
	{flag: "database", env: "KITH_DATABASE_URL", def: "", help: "database: empty for SQLite in the data directory, or postgres://user@host/db"},
	{flag: "insecure-http", env: "KITH_INSECURE_HTTP", def: "false", isBool: true, help: "development and tests only: use http:// for the node's IRIs and allow plain HTTP to other servers"},
	{flag: "allow-private-networks", env: "KITH_ALLOW_PRIVATE_NETWORKS", def: "false", isBool: true, help: "development and tests only: let outgoing requests reach loopback and private addresses"},
	{flag: "authorized-fetch", env: "KITH_AUTHORIZED_FETCH", def: "false", isBool: true, help: "answer GETs of ActivityPub objects only when they carry a valid HTTP signature"},
	{flag: "log-level", env: "KITH_LOG_LEVEL", def: "info", help: "log level: debug, info, warn or error"},
	{flag: "smtp-url", env: "KITH_SMTP_URL", def: "", help: "SMTP server for staff notification e-mail: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465; empty: no e-mail"},
	{flag: "smtp-from", env: "KITH_SMTP_FROM", def: "", help: "sender address of notification e-mail (required with --smtp-url)"},
	{flag: "delivery-workers", env: "KITH_DELIVERY_WORKERS", def: "32", help: "single deliveries (answers, direct messages, retries) made at once; fan-outs to many servers run beside them in batches"},
	{flag: "inbox-workers", env: "KITH_INBOX_WORKERS", def: "8", help: "received activities processed at once"},
	{flag: "inbox-rate", env: "KITH_INBOX_RATE", def: "12000", help: "inbox POSTs a minute from one client IP, checked before any work (junk is refused by it); POSTs whose signature verifies count against --inbox-server-rate instead"},
	{flag: "inbox-server-rate", env: "KITH_INBOX_SERVER_RATE", def: "60000", help: "inbox POSTs a minute from one signing server, counted after its signature is verified, so a server is not starved by a neighbour on its IP"},
	{flag: "trusted-proxies", env: "KITH_TRUSTED_PROXIES", def: "127.0.0.0/8,::1/128", help: "comma-separated CIDRs of the reverse proxies whose X-Forwarded-For / X-Real-IP headers name the client; none (or an empty --trusted-proxies=) trusts no one"},
	{flag: "job-rescue-after", env: "KITH_JOB_RESCUE_AFTER", def: "3m", help: "how long a job may stay running before it is taken for lost (the process died) and run again; more than 2m"},
	{flag: "media-cache-size", env: "KITH_MEDIA_CACHE_SIZE", def: "1GiB", help: "disk space for other servers' images (avatars, headers, attachments) the node fetches and serves itself; the least recently used are removed beyond it (e.g. 500MiB, 2GiB)"},
	{flag: "media-max-file-size", env: "KITH_MEDIA_MAX_FILE_SIZE", def: "10MiB", help: "largest image the node fetches from another server; larger ones show as a placeholder"},
	{flag: "media-retry-after", env: "KITH_MEDIA_RETRY_AFTER", def: "10m", help: "how long the node waits before asking again for an image it could not fetch"},
	{flag: "media-store", env: "KITH_MEDIA_STORE", def: "", help: "where uploads and cached images live: empty for the data directory, or an S3-compatible bucket, s3://BUCKET[/PREFIX]?endpoint=HOST[:PORT]&region=REGION&path-style=true (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the file AWS_SHARED_CREDENTIALS_FILE)"},
	{flag: "media-public-url", env: "KITH_MEDIA_PUBLIC_URL", def: "", help: "with an S3 --media-store: the public URL of the bucket (or of a CDN in front of it) that pages link uploads to; empty: the node serves them at /media/"},
}

// configFlags holds the raw values of the configuration flags of one FlagSet.
type configFlags struct {
	values map[string]*string
	file   *string
	fs     *flag.FlagSet
}

// addConfigFlags registers the shared configuration flags on fs.
func addConfigFlags(fs *flag.FlagSet) *configFlags {
	cf := &configFlags{values: map[string]*string{}, fs: fs}
	for _, s := range settings {
		v := new(string)
		cf.values[s.flag] = v
		help := fmt.Sprintf("%s (env %s, default %q)", s.help, s.env, s.def)
		if s.isBool {
			fs.BoolFunc(s.flag, help, func(val string) error { *v = val; return nil })
		} else {
			fs.StringVar(v, s.flag, "", help)
		}
	}
	cf.file = fs.String("config", "", "optional config file of KITH_NAME=value lines (env KITH_CONFIG)")
	return cf
}

// load resolves the configuration: flags win over environment variables,
// which win over the config file, which wins over the defaults.
func (cf *configFlags) load(getenv func(string) string) (*Config, error) {
	set := map[string]bool{}
	cf.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	path := *cf.file
	if path == "" {
		path = getenv("KITH_CONFIG")
	}
	fileVals := map[string]string{}
	if path != "" {
		var err error
		if fileVals, err = readConfigFile(path); err != nil {
			return nil, err
		}
	}
	raw := map[string]string{}
	given := map[string]bool{}
	for _, s := range settings {
		given[s.flag] = true
		switch {
		case set[s.flag]:
			raw[s.flag] = *cf.values[s.flag]
		case getenv(s.env) != "":
			raw[s.flag] = getenv(s.env)
		case fileVals[s.env] != "":
			raw[s.flag] = fileVals[s.env]
		default:
			raw[s.flag] = s.def
			given[s.flag] = false
		}
	}
	// A local trial (no public domain given) runs on plain http:// so the
	// setup link opens in a browser and login cookies work; a public node
	// names its domain and sits behind TLS.
	localTrial := !given["domain"] && !given["insecure-http"]
	if localTrial {
		raw["insecure-http"] = "true"
	}
	c, err := parseConfig(raw)
	if err != nil {
		return nil, err
	}
	c.LocalTrial = localTrial
	c.DomainGiven = given["domain"]
	return c, nil
}

// readConfigFile reads KITH_NAME=value lines; blank lines and # comments
// are skipped, values may be quoted. The same file works as a systemd
// EnvironmentFile.
func readConfigFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	known := map[string]bool{}
	for _, s := range settings {
		known[s.env] = true
	}
	vals := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok {
			return nil, fmt.Errorf("config file %s line %d: want KITH_NAME=value, got %q", path, n, line)
		}
		if !known[key] {
			return nil, fmt.Errorf("config file %s line %d: unknown setting %s", path, n, key)
		}
		if uq, err := strconv.Unquote(val); err == nil {
			val = uq
		} else if len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'' {
			val = val[1 : len(val)-1]
		}
		vals[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return vals, nil
}

// parseConfig converts and validates raw values; every problem is
// reported, each in words that say what to change.
func parseConfig(raw map[string]string) (*Config, error) {
	var errs []string
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("--%s: "+format, append([]any{name}, args...)...))
	}
	parseBool := func(name string) bool {
		v, err := strconv.ParseBool(strings.TrimSpace(raw[name]))
		if err != nil {
			bad(name, "%q is not true or false", raw[name])
		}
		return v
	}
	c := &Config{
		Listen:               strings.TrimSpace(raw["listen"]),
		MetricsListen:        strings.TrimSpace(raw["metrics-listen"]),
		Domain:               strings.ToLower(strings.TrimSpace(raw["domain"])),
		Data:                 strings.TrimSpace(raw["data"]),
		DatabaseURL:          strings.TrimSpace(raw["database"]),
		InsecureHTTP:         parseBool("insecure-http"),
		AllowPrivateNetworks: parseBool("allow-private-networks"),
		AuthorizedFetch:      parseBool("authorized-fetch"),
		SMTPURL:              strings.TrimSpace(raw["smtp-url"]),
		SMTPFrom:             strings.TrimSpace(raw["smtp-from"]),
	}
	if host, port, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q is not host:port (for example 127.0.0.1:8080 or :8080)", c.Listen)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		bad("listen", "port %q is not a number from 0 to 65535", port)
	} else if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		bad("listen", "host %q is not an IP address or host name", host)
	}
	if c.MetricsListen != "" {
		if host, port, err := net.SplitHostPort(c.MetricsListen); err != nil {
			bad("metrics-listen", "%q is not host:port (for example 127.0.0.1:9464), or leave it empty for no metrics", c.MetricsListen)
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			bad("metrics-listen", "port %q is not a number from 0 to 65535", port)
		} else if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
			bad("metrics-listen", "host %q is not an IP address or host name", host)
		} else if c.MetricsListen == c.Listen && p != 0 {
			bad("metrics-listen", "%q is the public --listen address: metrics need an address of their own", c.MetricsListen)
		}
	}
	if c.Domain == "" {
		c.Domain = c.Listen
		if strings.HasPrefix(c.Domain, ":") {
			c.Domain = "localhost" + c.Domain
		}
		if strings.HasSuffix(c.Listen, ":0") {
			c.Domain = "" // a random port: serve takes the address it got
		}
	}
	if c.Domain != "" {
		if err := validateDomain(c.Domain); err != nil {
			bad("domain", "%v", err)
		}
	}
	if c.Data == "" {
		bad("data", "the data directory must not be empty")
	}
	switch db := c.DatabaseURL; {
	case db == "", strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"), strings.HasPrefix(db, "sqlite:"):
	default:
		bad("database", "%q: leave it empty for SQLite in the data directory, or give sqlite:PATH or postgres://user@host/db", db)
	}
	if c.SMTPURL != "" {
		if _, err := mailer.New(c.SMTPURL, c.SMTPFrom); err != nil {
			bad("smtp-url", "%v", err)
		}
	}
	parseCount := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(raw[name]))
		if err != nil || n < 1 || n > 1000 {
			bad(name, "%q is not a number from 1 to 1000", raw[name])
		}
		return n
	}
	c.DeliveryWorkers = parseCount("delivery-workers")
	c.InboxWorkers = parseCount("inbox-workers")
	parseRate := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(raw[name]))
		if err != nil || n < 1 || n > 100_000_000 {
			bad(name, "%q is not a number of requests a minute from 1 to 100000000", raw[name])
		}
		return n
	}
	c.InboxRate = parseRate("inbox-rate")
	c.InboxServerRate = parseRate("inbox-server-rate")
	if d, err := time.ParseDuration(strings.TrimSpace(raw["job-rescue-after"])); err != nil {
		bad("job-rescue-after", "%q is not a duration like 3m or 90s", raw["job-rescue-after"])
	} else if d <= queue.JobTimeout {
		bad("job-rescue-after", "%s must be longer than the %s a job may run, or jobs still running would be run twice", d, queue.JobTimeout)
	} else {
		c.JobRescueAfter = d
	}
	if ps, err := parseTrustedProxies(raw["trusted-proxies"]); err != nil {
		bad("trusted-proxies", "%v", err)
	} else {
		c.TrustedProxies = ps
	}
	if n, err := parseSize(raw["media-cache-size"]); err != nil || n < 1<<20 {
		bad("media-cache-size", "%q is not a size of at least 1MiB, like 500MiB or 2GiB", raw["media-cache-size"])
	} else {
		c.MediaCacheSize = n
	}
	if n, err := parseSize(raw["media-max-file-size"]); err != nil || n < 1<<10 || n > 1<<30 {
		bad("media-max-file-size", "%q is not a size from 1KiB to 1GiB, like 10MiB", raw["media-max-file-size"])
	} else {
		c.MediaMaxFileSize = n
	}
	if d, err := time.ParseDuration(strings.TrimSpace(raw["media-retry-after"])); err != nil || d < time.Second {
		bad("media-retry-after", "%q is not a duration of at least 1s, like 10m", raw["media-retry-after"])
	} else {
		c.MediaRetryAfter = d
	}
	c.MediaStore = strings.TrimSpace(raw["media-store"])
	if c.MediaStore != "" {
		if _, err := mediastore.ParseS3URL(c.MediaStore); err != nil {
			bad("media-store", "%v", err)
		}
	}
	c.MediaPublicURL = strings.TrimSpace(raw["media-public-url"])
	if c.MediaPublicURL != "" {
		u, err := url.Parse(c.MediaPublicURL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
			bad("media-public-url", "%q is not an http(s) URL without query, like https://media.example.org/", c.MediaPublicURL)
		case c.MediaStore == "":
			bad("media-public-url", "links uploads to a bucket: set --media-store s3://… too")
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(raw["log-level"])); err != nil {
		bad("log-level", "%q: want debug, info, warn or error", raw["log-level"])
	}
	if len(errs) > 0 {
		return nil, errors.New("invalid configuration:\n  " + strings.Join(errs, "\n  "))
	}
	return c, nil
}

// parseTrustedProxies reads comma-separated CIDRs (a bare address counts
// as its own /32 or /128). Empty or "none" trusts no proxy.
func parseTrustedProxies(v string) ([]netip.Prefix, error) {
	v = strings.TrimSpace(v)
	ps := []netip.Prefix{}
	if v == "" || strings.EqualFold(v, "none") {
		return ps, nil
	}
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not a CIDR like 10.0.0.0/8 or fd00::/8 (or an IP address)", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			return nil, fmt.Errorf("%q: write IPv4 networks as IPv4, like 10.0.0.0/8", f)
		}
		if p.Bits() == 0 {
			return nil, fmt.Errorf("%q trusts every address on the internet, so any client could choose its own address; name your proxies' networks", f)
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}

// parseSize reads a size in bytes: a whole number with an optional unit,
// binary (KiB, MiB, GiB, TiB) or decimal (kB, MB, GB, TB), or B.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	mult := map[string]int64{
		"": 1, "b": 1,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
		"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	}[strings.ToLower(unit)]
	if mult == 0 {
		return 0, fmt.Errorf("size %q: unknown unit %q", s, unit)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mult, nil
}

// validateDomain accepts a host name or IP with an optional port, and
// nothing else (no scheme, no path): it becomes part of every IRI.
func validateDomain(d string) error {
	if strings.Contains(d, "://") || strings.ContainsAny(d, "/?#@ ") {
		return fmt.Errorf("%q: give only the host name (and port), like kith.example or localhost:8080", d)
	}
	host := d
	if h, port, err := net.SplitHostPort(d); err == nil {
		if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
			return fmt.Errorf("%q: port %q is not a number from 1 to 65535", d, port)
		}
		host = h
	}
	if net.ParseIP(host) == nil && !validHostname(host) {
		return fmt.Errorf("%q is not a valid host name", d)
	}
	return nil
}

func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// Scheme is the scheme of the node's own IRIs.
func (c *Config) Scheme() string {
	if c.InsecureHTTP {
		return "http"
	}
	return "https"
}
