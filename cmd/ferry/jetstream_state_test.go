package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/testkit"
)

// ferryStreams are the streams whose leaders and replicas the cluster tests
// watch: ferry's three and the ledger bucket's.
var ferryStreams = []string{bus.StreamClosed, bus.StreamJobs, bus.StreamDead, "KV_" + bus.LedgerBucket}

// streamInfo is the stream's state, nil while it does not answer.
func streamInfo(in *testkit.Inspector, name string) *jetstream.StreamInfo {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	info, err := in.StreamInfo(ctx, name)
	if err != nil {
		return nil
	}
	return info
}

// logState logs the streams and consumers as their leaders see them, for
// the diagnosis of a failed test.
func (c *natsCluster) logState() {
	in, err := c.connect()
	if err != nil {
		c.t.Logf("couldn't connect to log the cluster's state: %v", err)
		return
	}
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b strings.Builder
	b.WriteString("cluster state:")
	for _, name := range ferryStreams {
		info := streamInfo(in, name)
		if info == nil {
			fmt.Fprintf(&b, "\n  stream %s: no answer", name)
			continue
		}
		fmt.Fprintf(&b, "\n  stream %s leader %s messages %d", name, info.Cluster.Leader, info.State.Msgs)
		consumers, _ := in.Consumers(ctx, name)
		for _, ci := range consumers {
			fmt.Fprintf(&b, "\n    consumer %s leader %s pending %d ack_pending %d waiting %d redelivered %d",
				ci.Name, ci.Cluster.Leader, ci.NumPending, ci.NumAckPending, ci.NumWaiting, ci.NumRedelivered)
		}
	}
	c.t.Log(b.String())
}

// leader returns the node leading the stream's raft group.
func (c *natsCluster) leader(in *testkit.Inspector, stream string) *natsNode {
	c.t.Helper()
	var leader *natsNode
	testkit.WaitFor(c.t, 30*time.Second, "a leader of "+stream, func() bool {
		info := streamInfo(in, stream)
		if info == nil || info.Cluster == nil {
			return false
		}
		for _, n := range c.nodes {
			if n.name == info.Cluster.Leader {
				leader = n
				return true
			}
		}
		return false
	})
	return leader
}

// healed reports whether every ferry stream and the ledger have a leader
// and two current, online replicas: all three nodes serve them again.
func (c *natsCluster) healed(in *testkit.Inspector) bool {
	for _, name := range ferryStreams {
		info := streamInfo(in, name)
		if info == nil || info.Cluster == nil || info.Cluster.Leader == "" || len(info.Cluster.Replicas) != 2 {
			return false
		}
		for _, r := range info.Cluster.Replicas {
			if !r.Current || r.Offline {
				return false
			}
		}
	}
	return true
}

// ledgerRecords reads every file record, by path. Right after a node is
// lost the ledger's stream may take a while to elect its leader and answer,
// as deadCount allows for: each read gets 10 s, all of them a minute.
func ledgerRecords(t *testing.T, in *testkit.Inspector) map[string]ledger.Record {
	t.Helper()
	var out map[string]ledger.Record
	var err error
	testkit.WaitFor(t, time.Minute, "the ledger to answer", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err = readLedger(ctx, in); err != nil {
			t.Logf("couldn't read the ledger yet: %v", err)
			return false
		}
		return true
	})
	return out
}

func readLedger(ctx context.Context, in *testkit.Inspector) (map[string]ledger.Record, error) {
	entries, err := in.Entries(ctx, bus.LedgerBucket, "file.")
	if err != nil {
		return nil, err
	}
	out := map[string]ledger.Record{}
	for key, value := range entries {
		var r ledger.Record
		if err := json.Unmarshal(value, &r); err != nil {
			return nil, fmt.Errorf("ledger record %s: %w", key, err)
		}
		out[r.Path] = r
	}
	return out, nil
}

// deadCount is the number of dead letters stored. After a restart the
// stream may take a while to elect its leader and answer.
func deadCount(t *testing.T, in *testkit.Inspector) uint64 {
	t.Helper()
	var info *jetstream.StreamInfo
	testkit.WaitFor(t, 30*time.Second, "the dead-letter stream to answer", func() bool {
		info = streamInfo(in, bus.StreamDead)
		return info != nil
	})
	return info.State.Msgs
}
