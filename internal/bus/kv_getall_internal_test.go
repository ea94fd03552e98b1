package bus

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// A user refused batched gets (whom Connect does not know as such: a user
// of an authorization other than ferry's) learns it from the connection's
// error at once, not by waiting for an answer, and GetAll is off after.
func TestIntegrationGetAllRefusedIsSeenAtOnce(t *testing.T) {
	testkit.SkipShort(t, "needs JetStream; skipped under -short")
	t.Parallel()
	refused := &server.Permissions{Publish: &server.SubjectPermission{Deny: []string{"$JS.API.DIRECT.GET.KV_" + LedgerBucket}}}
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: t.TempDir(), DontListen: true, NoSigs: true, NoLog: true,
		Users: []*server.User{{Username: "admin", Password: "a"}, {Username: "limited", Password: "l", Permissions: refused}}})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := connectTest(ctx, t, &Server{ns}, ConnConfig{User: "admin", Password: "a"})
	if _, err := admin.Ledger().Put(ctx, "file.r.h.k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.UserInfo("limited", "l"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	kv := &KV{nc: nc, bucket: LedgerBucket, log: discard()}
	start := time.Now()
	_, err = kv.GetAll(ctx, []string{"file.r.h.k", "file.r.h.other"})
	if !errors.Is(err, nats.ErrPermissionViolation) {
		t.Fatalf("GetAll by a refused user = %v, want the permissions violation", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the refusal took %s to see", took)
	}
	if _, err := kv.GetAll(ctx, []string{"file.r.h.k"}); !errors.Is(err, ErrNoGetAll) {
		t.Errorf("GetAll after a refusal = %v, want ErrNoGetAll at once", err)
	}
}
