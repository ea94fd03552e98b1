// Package secretstest runs a Secrets Manager on loopback for tests: the
// real JSON 1.1 protocol (X-Amz-Target secretsmanager.GetSecretValue),
// every request's SigV4 signature recomputed with aws-sdk-go-v2's own
// signer from the test's fixed credentials, and AWS's error shapes
// (x-amzn-ErrorType header and __type body). Tests only.
package secretstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fixed test credentials and account: the only ones the server accepts.
const (
	KeyID   = "AKIDFERRYTEST0000001"
	Secret  = "ferry-test-aws-secret-key/0000000000000"
	Region  = "eu-west-2"
	account = "123456789012"
)

// Server is a running fake Secrets Manager.
type Server struct {
	URL string

	mu       sync.Mutex
	values   map[string]string // by name
	denied   map[string]bool
	throttle bool
	calls    map[string]int // GetSecretValue calls by secret name
	bad      []string       // requests refused for their signature or protocol
}

// Start serves on 127.0.0.1 until tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{values: map[string]string{}, denied: map[string]bool{}, calls: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Put creates or rotates secret name's value.
func (s *Server) Put(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[name] = value
}

// Deny makes reads of name fail with AccessDeniedException.
func (s *Server) Deny(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[name] = true
}

// Throttle makes every read fail with ThrottlingException (on) or not.
func (s *Server) Throttle(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = on
}

// Calls is how many reads of name were answered (values or errors).
func (s *Server) Calls(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[name]
}

// Refused lists requests refused for a bad signature or protocol: a test
// expecting well-signed requests checks it is empty.
func (s *Server) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bad...)
}

// ARN is the ARN of secret name, as AWS writes it (with a random suffix).
func ARN(name string) string {
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", Region, account, name)
}

// Env is the environment under which aws-sdk-go-v2's default chain finds
// the test credentials and nothing else: no profile file, no IMDS.
func Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + KeyID,
		"AWS_SECRET_ACCESS_KEY=" + Secret,
		"AWS_REGION=" + Region,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// SetEnv sets Env for the test (t.Setenv: not with t.Parallel).
func SetEnv(t *testing.T) {
	t.Helper()
	for _, kv := range Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"} {
		t.Setenv(k, "")
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		awsError(w, http.StatusBadRequest, "SerializationException", "couldn't read the body")
		return
	}
	if code, msg := s.checkRequest(r, body); code != "" {
		s.mu.Lock()
		s.bad = append(s.bad, code+": "+msg)
		s.mu.Unlock()
		status := http.StatusBadRequest
		if code == "InvalidSignatureException" {
			status = http.StatusForbidden
		}
		awsError(w, status, code, msg)
		return
	}
	var in struct {
		SecretID string `json:"SecretId"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.SecretID == "" {
		awsError(w, http.StatusBadRequest, "InvalidParameterException", "SecretId is required.")
		return
	}
	name := in.SecretID
	if strings.HasPrefix(name, "arn:") {
		name = strings.TrimSuffix(name[strings.LastIndex(name, ":secret:")+len(":secret:"):], "-AbCdEf")
	}
	s.mu.Lock()
	s.calls[name]++
	value, ok := s.values[name]
	denied, throttle := s.denied[name], s.throttle
	s.mu.Unlock()
	switch {
	case throttle:
		awsError(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	case denied:
		awsError(w, http.StatusBadRequest, "AccessDeniedException", fmt.Sprintf(
			"User: arn:aws:sts::%s:assumed-role/ferry/i-0test is not authorized to perform: "+
				"secretsmanager:GetSecretValue on resource: %s because no identity-based policy allows "+
				"the secretsmanager:GetSecretValue action", account, in.SecretID))
	case !ok:
		awsError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ARN": ARN(name), "Name": name, "SecretString": value,
			"VersionId": "00000000-0000-0000-0000-000000000001", "VersionStages": []string{"AWSCURRENT"},
			"CreatedDate": float64(time.Now().Unix()),
		})
	}
}

// awsError writes an error as AWS JSON 1.1 services do.
func awsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code+":http://internal.amazon.com/coral/com.amazonaws.secrets/")
	w.Header().Set("X-Amzn-RequestId", "00000000-0000-0000-0000-00000000feed")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "Message": msg})
}
