package tracking

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leadrouter/leadrouter"
)

func TestCodecRoundTrip(t *testing.T) {
	codec := NewCodec(testSecret)
	at := func(minutes int) time.Time { return testNow.Add(time.Duration(minutes) * time.Minute) }
	tests := []struct {
		name    string
		touches []leadrouter.Touch
		want    []leadrouter.Touch
	}{
		{
			name:    "one",
			touches: []leadrouter.Touch{{PID: "berlin01", At: at(0), Landing: "/pricing?utm_source=x", Kind: leadrouter.TouchLink}},
			want:    []leadrouter.Touch{{PID: "BERLIN01", At: at(0), Landing: "/pricing?utm_source=x", Kind: leadrouter.TouchLink}},
		},
		{
			name: "the last three, newest last",
			touches: []leadrouter.Touch{
				{PID: "AAAAAA", At: at(1), Landing: "/1", Kind: leadrouter.TouchLink},
				{PID: "BBBBBB", At: at(2), Landing: "/2", Kind: leadrouter.TouchCode},
				{PID: "CCCCCC", At: at(3), Landing: "", Kind: leadrouter.TouchEvent},
				{PID: "DDDDDD", At: at(4), Landing: "/4", Kind: leadrouter.TouchLink},
			},
			want: []leadrouter.Touch{
				{PID: "BBBBBB", At: at(2), Landing: "/2", Kind: leadrouter.TouchCode},
				{PID: "CCCCCC", At: at(3), Landing: "", Kind: leadrouter.TouchEvent},
				{PID: "DDDDDD", At: at(4), Landing: "/4", Kind: leadrouter.TouchLink},
			},
		},
		{
			name: "invalid PIDs skipped, unknown kind stored as link, sub-second time dropped",
			touches: []leadrouter.Touch{
				{PID: "no", At: at(1), Kind: leadrouter.TouchLink},
				{PID: "PARIS002", At: at(2).Add(300 * time.Millisecond), Landing: "/x", Kind: "carrier pigeon"},
			},
			want: []leadrouter.Touch{{PID: "PARIS002", At: at(2), Landing: "/x", Kind: leadrouter.TouchLink}},
		},
		{
			name:    "long landing cut without splitting an escape",
			touches: []leadrouter.Touch{{PID: "BERLIN01", At: at(0), Landing: "/" + strings.Repeat("a", MaxLanding-3) + "%C3%A9", Kind: leadrouter.TouchLink}},
			want:    []leadrouter.Touch{{PID: "BERLIN01", At: at(0), Landing: "/" + strings.Repeat("a", MaxLanding-3), Kind: leadrouter.TouchLink}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value := codec.Encode(tt.touches)
			got, ok := codec.Decode(value)
			if !ok {
				t.Fatalf("Decode(Encode(...)) failed for %q", value)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("touches (-want +got):\n%s", diff)
			}
		})
	}
	if got := codec.Encode(nil); got != "" {
		t.Errorf("Encode(nil) = %q, want empty", got)
	}
}

func TestCodecMaxSize(t *testing.T) {
	codec := NewCodec(testSecret)
	long := "/" + strings.Repeat("x", 2*MaxLanding)
	var touches []leadrouter.Touch
	for range MaxTouches {
		touches = append(touches, leadrouter.Touch{PID: "ABCDEFGHIJKL", At: time.Unix(1<<40, 0), Landing: long, Kind: leadrouter.TouchLink})
	}
	value := codec.Encode(touches)
	if len(value) > maxCookieValue {
		t.Fatalf("largest cookie value has %d bytes, more than maxCookieValue %d", len(value), maxCookieValue)
	}
	if _, ok := codec.Decode(value); !ok {
		t.Fatal("the largest cookie value does not decode")
	}
}

func TestCodecRejectsTampering(t *testing.T) {
	codec := NewCodec(testSecret)
	valid := codec.Encode([]leadrouter.Touch{{PID: "BERLIN01", At: testNow, Landing: "/pricing", Kind: leadrouter.TouchLink}})
	raw, err := base64.RawURLEncoding.DecodeString(valid)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct{ name, value string }{
		{"empty", ""},
		{"garbage", "hello"},
		{"not base64", "!!!!" + valid[4:]},
		{"padded", valid + "=="},
		{"flipped version", flip(0)},
		{"flipped PID", flip(7)},
		{"flipped landing", flip(len(raw) - tagSize - 1)},
		{"flipped tag", flip(len(raw) - 1)},
		{"truncated", valid[:len(valid)-2]},
		{"tag only", base64.RawURLEncoding.EncodeToString(raw[len(raw)-tagSize:])},
		{"other key", NewCodec([]byte("another secret")).Encode([]leadrouter.Touch{{PID: "BERLIN01", At: testNow, Kind: leadrouter.TouchLink}})},
		{"too long", strings.Repeat("A", maxCookieValue+4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if touches, ok := codec.Decode(tt.value); ok || touches != nil {
				t.Errorf("Decode(%q) = %v, %v; want nil, false", tt.value, touches, ok)
			}
		})
	}
}

func TestCodecRejectsSignedGarbage(t *testing.T) {
	// Payloads that carry a valid tag but are not well-formed must be
	// refused too: a future format or a bug must not crash the decoder.
	codec := NewCodec(testSecret)
	s := codec.getScratch()
	defer codec.putScratch(s)
	sign := func(payload ...byte) string {
		return base64.RawURLEncoding.EncodeToString(s.sign(append([]byte(nil), payload...)))
	}
	record := func(kind byte, pid string, landing string) []byte {
		return appendRecord(nil, kind, 1700000000, []byte(pid), landing)
	}
	join := func(parts ...[]byte) []byte {
		out := []byte{cookieVersion}
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	good := record('l', "BERLIN01", "/x")
	tests := []struct {
		name  string
		value string
	}{
		{"no records", sign(cookieVersion)},
		{"unknown version", sign(append([]byte{2}, good...)...)},
		{"unknown kind", sign(join(record('x', "BERLIN01", "/x"))...)},
		{"lower-case PID", sign(join(record('l', "berlin01", "/x"))...)},
		{"short PID", sign(join(record('l', "ABC", "/x"))...)},
		{"four records", sign(join(good, good, good, good)...)},
		{"truncated record", sign(join(good)[:len(good)-1]...)},
		{"landing too long", sign(join(record('l', "BERLIN01", strings.Repeat("x", MaxLanding+1)))...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if touches, ok := codec.Decode(tt.value); ok {
				t.Errorf("Decode accepted %s: %v", tt.name, touches)
			}
		})
	}
	if _, ok := codec.Decode(sign(join(good, good, good)...)); !ok {
		t.Error("Decode refused three good records")
	}
}

func TestTouchesFromRequest(t *testing.T) {
	codec := NewCodec(testSecret)
	valid := codec.Encode([]leadrouter.Touch{{PID: "BERLIN01", At: testNow, Landing: "/pricing", Kind: leadrouter.TouchLink}})
	forged := NewCodec([]byte("forger")).Encode([]leadrouter.Touch{{PID: "EVIL01", At: testNow, Kind: leadrouter.TouchLink}})
	tests := []struct {
		name    string
		cookies []string // Cookie header lines
		want    string   // PID of the first touch, "" for none
	}{
		{"absent", nil, ""},
		{"other cookies only", []string{"session=abc; lr_refx=1"}, ""},
		{"alone", []string{"lr_ref=" + valid}, "BERLIN01"},
		{"among others", []string{"a=1;  lr_ref=" + valid + " ; b=2"}, "BERLIN01"},
		{"quoted", []string{`lr_ref="` + valid + `"`}, "BERLIN01"},
		{"tampered", []string{"lr_ref=" + valid[:len(valid)-1] + "A"}, ""},
		{"forged first, valid second", []string{"lr_ref=" + forged, "lr_ref=" + valid}, "BERLIN01"},
		{"forged only", []string{"lr_ref=" + forged}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/forms/demo-request", nil)
			for _, line := range tt.cookies {
				r.Header.Add("Cookie", line)
			}
			touches := codec.TouchesFromRequest(r)
			var got string
			if len(touches) > 0 {
				got = touches[0].PID
			}
			if got != tt.want {
				t.Errorf("TouchesFromRequest = %v, want PID %q", touches, tt.want)
			}
		})
	}
}

func TestNewCodecEmptySecretPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewCodec(nil) did not panic")
		}
	}()
	NewCodec(nil)
}
