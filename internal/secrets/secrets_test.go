package secrets

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeSecretsManager answers GetSecretValue like AWS does (JSON 1.1 protocol),
// on loopback, so the real SDK code path is exercised without the network.
func fakeSecretsManager(t *testing.T, secrets map[string]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
			http.Error(w, "unexpected target", http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		val, ok := secrets[in.SecretId]
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"Name": in.SecretId, "SecretString": val})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestFetch(t *testing.T) {
	const conf = "[store]\ntype = s3\nsecret_access_key = hunter2\n"
	url := fakeSecretsManager(t, map[string]string{"ferry/rclone": conf})
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", url)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	ctx := context.Background()

	got, err := Fetch(ctx, "ferry/rclone", "eu-west-2")
	if err != nil || got != conf {
		t.Fatalf("Fetch = %q, %v; want the config", got, err)
	}
	_, err = Fetch(ctx, "ferry/missing", "eu-west-2")
	if err == nil || !strings.Contains(err.Error(), "ferry/missing") {
		t.Fatalf("Fetch of a missing secret = %v, want an error naming it", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatal("an error leaked the secret")
	}
}
