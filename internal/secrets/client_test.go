package secrets_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/secrets"
	"github.com/ferrydata/ferry/internal/secrets/secretstest"
)

const (
	iniSecret  = "[store]\ntype = s3\nprovider = Rclone\naccess_key_id = AKSTORE\nsecret_access_key = hunter2-ini\n"
	jsonSecret = `{"archive": {"type": "s3", "provider": "Rclone", "access_key_id": "AKARCH", "secret_access_key": "hunter2-json"}}`
)

func newClient(t *testing.T, srv *secretstest.Server) *secrets.Client {
	t.Helper()
	secretstest.SetEnv(t)
	c, err := secrets.NewClient(context.Background(), secrets.Options{Region: secretstest.Region, Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoadINIAndJSONMerged(t *testing.T) {
	srv := secretstest.Start(t)
	srv.Put("ferry/ini", iniSecret)
	srv.Put("ferry/json", jsonSecret)
	c := newClient(t, srv)
	set, err := c.Load(t.Context(), []string{"ferry/ini", secretstest.ARN("ferry/json")})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Remotes["store"]["secret_access_key"]; got != "hunter2-ini" {
		t.Errorf("INI secret's key = %q", got)
	}
	if got := set.Remotes["archive"]["access_key_id"]; got != "AKARCH" {
		t.Errorf("JSON secret's key = %q", got)
	}
	if set.From["store"] != "ferry/ini" || set.From["archive"] != secretstest.ARN("ferry/json") {
		t.Errorf("From = %v", set.From)
	}
	if bad := srv.Refused(); len(bad) > 0 {
		t.Fatalf("the server refused the SDK's requests: %v", bad)
	}
}

func TestLoadErrors(t *testing.T) {
	srv := secretstest.Start(t)
	srv.Put("ferry/ok", iniSecret)
	srv.Put("ferry/denied", jsonSecret)
	srv.Deny("ferry/denied")
	srv.Put("ferry/dup", "[store]\ntype = local\n")
	c := newClient(t, srv)
	tests := []struct {
		name string
		ids  []string
		want []string
	}{
		{"access denied", []string{"ferry/ok", "ferry/denied"}, []string{`"ferry/denied"`, "access denied", "AccessDeniedException"}},
		{"not found", []string{"ferry/missing"}, []string{`"ferry/missing"`, "no such secret", "ResourceNotFoundException"}},
		{"remote twice", []string{"ferry/ok", "ferry/dup"}, []string{`remote "store"`, `"ferry/ok"`, `"ferry/dup"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := c.Load(t.Context(), tt.ids)
			if err == nil {
				t.Fatalf("Load = %v, want an error", set.Remotes.Names())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestLoadThrottled(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the SDK's retries")
	}
	srv := secretstest.Start(t)
	srv.Put("ferry/ok", iniSecret)
	srv.Throttle(true)
	_, err := newClient(t, srv).Load(t.Context(), []string{"ferry/ok"})
	if err == nil || !strings.Contains(err.Error(), "throttled") || !strings.Contains(err.Error(), `"ferry/ok"`) {
		t.Fatalf("Load = %v, want a throttled error naming the secret", err)
	}
	if n := srv.Calls("ferry/ok"); n < 2 {
		t.Fatalf("%d calls: the SDK should have retried a throttled read", n)
	}
}

// The server really checks signatures: a wrong secret key is refused.
func TestServerRefusesABadSignature(t *testing.T) {
	srv := secretstest.Start(t)
	srv.Put("ferry/ok", iniSecret)
	c := newClient(t, srv)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-right-key")
	wrong, err := secrets.NewClient(context.Background(), secrets.Options{Region: secretstest.Region, Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Fetch(t.Context(), "ferry/ok"); err == nil || !strings.Contains(err.Error(), "InvalidSignatureException") {
		t.Fatalf("Fetch with a wrong key = %v, want InvalidSignatureException", err)
	}
	if len(srv.Refused()) != 1 {
		t.Fatalf("refused %v, want the one badly signed request", srv.Refused())
	}
	if _, err := c.Fetch(t.Context(), "ferry/ok"); err != nil {
		t.Fatalf("a well-signed request after it: %v", err)
	}
}

func TestNewClientNeedsARegion(t *testing.T) {
	secretstest.SetEnv(t)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	if _, err := secrets.NewClient(context.Background(), secrets.Options{}); err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("NewClient without a region = %v", err)
	}
}
