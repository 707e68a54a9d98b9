package attrtext

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		arg     string
		name    string
		value   any
		wantErr string
	}{
		{"country=NO", "country", "NO", ""},
		{"n=42", "n", int64(42), ""},
		{"n=-007", "n", int64(-7), ""},
		{"n=2.5", "n", 2.5, ""},
		{"n=1e3", "n", 1000.0, ""},
		{"n=.5", "n", 0.5, ""},
		{"n=99999999999999999999", "n", 1e20, ""},
		{"n=1e999", "n", "1e999", ""},
		{"n=0x1F", "n", "0x1F", ""},
		{"n=.inf", "n", ".inf", ""},
		{"v=2.10.1", "v", "2.10.1", ""},
		{"b=true", "b", true, ""},
		{"b=FALSE", "b", false, ""},
		{"b=yes", "b", "yes", ""},
		{"x=", "x", nil, ""},
		{"x=~", "x", nil, ""},
		{"eq=a=b", "eq", "a=b", ""},
		{`roles:=["dev","admin"]`, "roles", []any{"dev", "admin"}, ""},
		{`ns:=[1, 2.5, "3"]`, "ns", []any{int64(1), 2.5, "3"}, ""},
		{`plan:="42"`, "plan", "42", ""},
		{`x:=null`, "x", nil, ""},
		{"country", "", nil, `attribute "country": want NAME=VALUE or NAME:=JSON`},
		{"=x", "", nil, `attribute "=x": the name is empty`},
		{"key=u1", "", nil, `attribute "key": key is the subject's key, which is given on its own`},
		{`r:=[dev]`, "", nil, `attribute "r": invalid JSON: invalid character 'd' looking for beginning of value`},
		{`r:=1 2`, "", nil, `attribute "r": invalid JSON: more than one value`},
	}
	for _, tt := range tests {
		name, value, err := Parse(tt.arg)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Parse(%q) error = %v; want %q", tt.arg, err, tt.wantErr)
			}
			continue
		}
		if err != nil || name != tt.name || !reflect.DeepEqual(value, tt.value) {
			t.Errorf("Parse(%q) = %q, %#v, %v; want %q, %#v", tt.arg, name, value, err, tt.name, tt.value)
		}
	}
}

func TestLines(t *testing.T) {
	got, err := Lines("country=NO\n\n  seats=3  \r\nroles:=[\"a\"]\n")
	want := map[string]any{"country": "NO", "seats": int64(3), "roles": []any{"a"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Lines = %#v, %v; want %#v", got, err, want)
	}
	if _, err := Lines("a=1\nbad\n"); err == nil || err.Error() != `line 2: attribute "bad": want NAME=VALUE or NAME:=JSON` {
		t.Errorf("Lines error = %v", err)
	}
}
