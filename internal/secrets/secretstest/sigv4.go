package secretstest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// checkRequest returns the AWS error code and message a request earns for
// its protocol or signature, or "" when it is a valid GetSecretValue.
func (s *Server) checkRequest(r *http.Request, body []byte) (code, msg string) {
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
		return "UnknownOperationException", "want POST with X-Amz-Target secretsmanager.GetSecretValue"
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		return "SerializationException", "Content-Type " + ct
	}
	auth := r.Header.Get("Authorization")
	cred := field(auth, "Credential=")
	parts := strings.Split(cred, "/")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || len(parts) != 5 {
		return "IncompleteSignatureException", "Authorization header is not SigV4"
	}
	if parts[0] != KeyID {
		return "UnrecognizedClientException", "The security token included in the request is invalid."
	}
	if parts[2] != Region || parts[3] != "secretsmanager" || parts[4] != "aws4_request" {
		return "InvalidSignatureException", "Credential should be scoped to a valid region and service: " + cred
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "IncompleteSignatureException", "X-Amz-Date is missing or malformed"
	}
	if d := time.Since(when); d > 5*time.Minute || d < -5*time.Minute {
		return "InvalidSignatureException", "Signature expired"
	}
	// Recompute the signature over exactly the headers the client signed.
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return "InvalidSignatureException", err.Error()
	}
	for _, h := range strings.Split(field(auth, "SignedHeaders="), ";") {
		if h != "host" && h != "content-length" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: KeyID, SecretAccessKey: Secret}
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, again, hex.EncodeToString(sum[:]), "secretsmanager", Region, when); err != nil {
		return "InvalidSignatureException", err.Error()
	}
	if again.Header.Get("Authorization") != auth {
		return "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."
	}
	return "", ""
}

// field returns the value after name in a SigV4 Authorization header.
func field(auth, name string) string {
	i := strings.Index(auth, name)
	if i < 0 {
		return ""
	}
	v := auth[i+len(name):]
	if j := strings.IndexByte(v, ','); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSpace(v)
}
