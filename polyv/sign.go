package polyv

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// SignatureMethod is the hash Polyv uses for the sign parameter.
type SignatureMethod string

// The signature methods Polyv accepts. MD5 is what Polyv assumes when a request
// carries no signatureMethod parameter.
const (
	MD5    SignatureMethod = "MD5"
	SHA256 SignatureMethod = "SHA256"
)

// ParseSignatureMethod turns a configuration value into a SignatureMethod. It
// accepts "", "MD5" and "SHA256" in any letter case; "" means MD5.
func ParseSignatureMethod(s string) (SignatureMethod, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", string(MD5):
		return MD5, nil
	case string(SHA256):
		return SHA256, nil
	}
	return "", fmt.Errorf("polyv: unknown signature method %q: accepted values are MD5 (default) and SHA256", s)
}

// Sign computes Polyv's sign parameter for params. Parameters whose value is
// blank (empty or only whitespace, as in Polyv's Java SDK) and the key "sign"
// are left out; the remaining keys are sorted in byte order and the hash input
// is appSecret + k1 + v1 + k2 + v2 + … + appSecret over the raw UTF-8 values.
// The result is the upper-case hex MD5 of that input, or the upper-case hex
// SHA-256 when params["signatureMethod"] is "SHA256".
func Sign(params map[string]string, appSecret string) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k != "sign" && !isBlank(v) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)

	in := []byte(appSecret)
	for _, k := range keys {
		in = append(in, k...)
		in = append(in, params[k]...)
	}
	in = append(in, appSecret...)

	var sum []byte
	if params["signatureMethod"] == string(SHA256) {
		s := sha256.Sum256(in)
		sum = s[:]
	} else {
		s := md5.Sum(in)
		sum = s[:]
	}
	return strings.ToUpper(hex.EncodeToString(sum))
}

// isBlank mirrors the Java SDK's StringUtils.isBlank: empty, or only
// characters that Java's Character.isWhitespace accepts. That is not Go's
// unicode.IsSpace: Java counts U+001C–U+001F but not the no-break spaces
// U+00A0, U+2007, U+202F nor U+0085, and a value Java signs must be signed
// here too.
func isBlank(s string) bool {
	for _, r := range s {
		if !javaWhitespace(r) {
			return false
		}
	}
	return true
}

// javaWhitespace is java.lang.Character.isWhitespace.
func javaWhitespace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1C && r <= 0x1F:
		return true
	case r == 0xA0 || r == 0x2007 || r == 0x202F:
		return false
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}
