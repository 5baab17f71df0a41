package tracking

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStripPID(t *testing.T) {
	tests := []struct {
		name     string
		rawQuery string
		want     string
		pids     []string // raw pid values seen, in order
	}{
		{"only pid", "pid=BERLIN01", "", []string{"BERLIN01"}},
		{"order kept", "utm_source=x&pid=BERLIN01&utm_medium=y", "utm_source=x&utm_medium=y", []string{"BERLIN01"}},
		{"pid first", "pid=BERLIN01&b=2&a=1", "b=2&a=1", []string{"BERLIN01"}},
		{"pid last", "z=1&a=2&pid=BERLIN01", "z=1&a=2", []string{"BERLIN01"}},
		{"upper-case key", "a=1&PID=BERLIN01", "a=1", []string{"BERLIN01"}},
		{"mixed-case key", "Pid=BERLIN01&a=1", "a=1", []string{"BERLIN01"}},
		{"encoded key", "%70id=BERLIN01&a=1&%50%49%44=PARIS002", "a=1", []string{"BERLIN01", "PARIS002"}},
		{"repeated pid", "pid=AAAAAA&a=1&pid=BERLIN01", "a=1", []string{"AAAAAA", "BERLIN01"}},
		{"repeated other parameters", "tag=a&pid=BERLIN01&tag=b&tag=a", "tag=a&tag=b&tag=a", []string{"BERLIN01"}},
		{"encoding kept byte for byte", "q=caf%C3%A9+au+lait&pid=BERLIN01&r=%2f%2F&s=a%20b", "q=caf%C3%A9+au+lait&r=%2f%2F&s=a%20b", []string{"BERLIN01"}},
		{"raw reserved characters kept", "next=/a/b?c&pid=x&u=https://x.example/?y=1;z", "next=/a/b?c&u=https://x.example/?y=1;z", []string{"x"}},
		{"empty pid value", "pid=&a=1", "a=1", []string{""}},
		{"pid without =", "a=1&pid&b=2", "a=1&b=2", []string{""}},
		{"empty values kept", "a=&pid=BERLIN01&b=", "a=&b=", []string{"BERLIN01"}},
		{"key without value kept", "flag&pid=BERLIN01", "flag", []string{"BERLIN01"}},
		{"empty parameters dropped", "&&a=1&&pid=BERLIN01&&b=2&", "a=1&b=2", []string{"BERLIN01"}},
		{"empty key kept", "=x&pid=BERLIN01", "=x", []string{"BERLIN01"}},
		{"encoded value", "pid=BERLIN%30%31", "", []string{"BERLIN%30%31"}},
		{"look-alike keys kept", "pidx=1&xpid=2&pid_=3&p%69d=BERLIN01&pid%20=4&pid+=5", "pidx=1&xpid=2&pid_=3&pid%20=4&pid+=5", []string{"BERLIN01"}},
		{"bad escape in key kept", "pi%zd=1&pid=BERLIN01", "pi%zd=1", []string{"BERLIN01"}},
		{"semicolon is not a separator", "a=1;pid=BERLIN01", "a=1;pid=BERLIN01", nil},
		{"no pid", "a=1&b=2", "a=1&b=2", nil},
		{"empty", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pids []string
			got := string(appendStripped(nil, tt.rawQuery, func(v string) { pids = append(pids, v) }))
			if got != tt.want {
				t.Errorf("appendStripped(%q) = %q, want %q", tt.rawQuery, got, tt.want)
			}
			if diff := cmp.Diff(tt.pids, pids); diff != "" {
				t.Errorf("pid values (-want +got):\n%s", diff)
			}
			if has := hasPIDParam(tt.rawQuery); has != (tt.pids != nil) {
				t.Errorf("hasPIDParam(%q) = %v", tt.rawQuery, has)
			}
			if tt.pids != nil {
				if got := stripPID(tt.rawQuery); got != tt.want {
					t.Errorf("stripPID(%q) = %q, want %q", tt.rawQuery, got, tt.want)
				}
			}
		})
	}
}

func TestAppendCleanPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/pricing", "/pricing"},
		{"", "/"},
		{"/", "/"},
		{"//evil.example/x", "/evil.example/x"},
		{"///evil.example", "/evil.example"},
		{`/\evil.example`, "/evil.example"},
		{`\\evil.example`, "/evil.example"},
		{"/%5Cevil.example", "/evil.example"},
		{"/%2f%2F/evil.example", "/evil.example"},
		{"/%5c/%2F\\/x", "/x"},
		{"/a//b", "/a//b"},
		{"/a%2Fb", "/a%2Fb"},
		{"/%2", "/%2"},
		{"/%", "/%"},
		{"relative", "/relative"},
	}
	for _, tt := range tests {
		if got := string(appendCleanPath(nil, tt.path)); got != tt.want {
			t.Errorf("appendCleanPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestValidPID(t *testing.T) {
	tests := []struct {
		pid  string
		want bool
	}{
		{"BERLIN01", true},
		{"berlin01", true},
		{"ABC123", true},
		{"ABCDEFGHIJ12", true},
		{"ABC12", false},
		{"ABCDEFGHIJ123", false},
		{"BERLIN-1", false},
		{"BERLİN01", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidPID(tt.pid); got != tt.want {
			t.Errorf("ValidPID(%q) = %v, want %v", tt.pid, got, tt.want)
		}
	}
}

// FuzzStripPID checks the stripper against net/url's reading of the same
// query: no pid survives, every other parameter survives unchanged and in
// order, and stripping twice changes nothing.
func FuzzStripPID(f *testing.F) {
	for _, seed := range []string{
		"utm_source=x&pid=BERLIN01&utm_medium=y",
		"PID=a&Pid=b&%70id=c&p%49D=d",
		"a=%zz&pid=1&&b",
		"q=caf%C3%A9+au+lait&pid=BERLIN01",
		"pid",
		"=&&=",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		var pids []string
		stripped := string(appendStripped(nil, rawQuery, func(v string) { pids = append(pids, v) }))

		var wantKept []string
		var wantPIDs []string
		for _, param := range strings.Split(rawQuery, "&") {
			if param == "" {
				continue
			}
			key, value, _ := strings.Cut(param, "=")
			if decoded, err := url.QueryUnescape(key); err == nil && strings.EqualFold(decoded, "pid") {
				wantPIDs = append(wantPIDs, value)
				continue
			}
			wantKept = append(wantKept, param)
		}
		if want := strings.Join(wantKept, "&"); stripped != want {
			t.Fatalf("appendStripped(%q) = %q, want %q", rawQuery, stripped, want)
		}
		if diff := cmp.Diff(wantPIDs, pids); diff != "" {
			t.Fatalf("pid values of %q (-want +got):\n%s", rawQuery, diff)
		}
		if hasPIDParam(rawQuery) != (len(pids) > 0) {
			t.Fatalf("hasPIDParam(%q) disagrees with the stripper", rawQuery)
		}
		if hasPIDParam(stripped) {
			t.Fatalf("appendStripped(%q) = %q still has a pid", rawQuery, stripped)
		}
		if again := stripPID(stripped); again != stripped {
			t.Fatalf("stripping %q again gave %q", stripped, again)
		}
	})
}
