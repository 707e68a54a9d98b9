package flagkit

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// updateVectors rewrites testdata/bucketing.json from bucketingInputs. Do it
// only to add vectors: a changed hash or bucket means users would move.
var updateVectors = flag.Bool("update-vectors", false, "rewrite testdata/bucketing.json (frozen bucketing vectors)")

// refMurmur3 is murmur3 x86_32 with seed 0, written from the algorithm's
// specification independently of github.com/twmb/murmur3, to prove both the
// dependency and the concatenation that bucketOf feeds it.
func refMurmur3(data []byte) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	var h uint32
	n := len(data)
	for ; len(data) >= 4; data = data[4:] {
		k := binary.LittleEndian.Uint32(data)
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch len(data) {
	case 3:
		k ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(data[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func TestRefMurmur3(t *testing.T) {
	// Published murmur3 x86_32 results (seed 0), from the reference
	// implementation's test suites.
	tests := []struct {
		in   string
		want uint32
	}{
		{"", 0},
		{"hello", 0x248bfa47},
		{"The quick brown fox jumps over the lazy dog", 0x2e4ff723},
	}
	for _, tt := range tests {
		if got := refMurmur3([]byte(tt.in)); got != tt.want {
			t.Errorf("refMurmur3(%q) = %#x; want %#x", tt.in, got, tt.want)
		}
		if got := saltedHash("", tt.in); got != tt.want {
			t.Errorf("saltedHash(%q, %q) = %#x; want %#x", "", tt.in, got, tt.want)
		}
	}
}

func TestBucketOfEdges(t *testing.T) {
	// DESIGN.md pins the edges of the multiply-shift mapping with five keys
	// (the keys of flagd's fractional operator tests).
	tests := []struct {
		value  string
		hash   uint32
		bucket uint32
	}{
		{"ejOoVL", 0, 0},
		{"bY9fO-", 1, 0},
		{"SI7p-", 1<<31 - 1, 49999},
		{"6LvT0", 1 << 31, 50000},
		{"ceQdGm", math.MaxUint32, 99999},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			if got := refMurmur3([]byte(tt.value)); got != tt.hash {
				t.Errorf("refMurmur3(%q) = %d; want %d", tt.value, got, tt.hash)
			}
			if got := saltedHash("", tt.value); got != tt.hash {
				t.Errorf("saltedHash(%q, %q) = %d; want %d", "", tt.value, got, tt.hash)
			}
			if got := bucketOf("", tt.value); got != tt.bucket {
				t.Errorf("bucketOf(%q, %q) = %d; want %d", "", tt.value, got, tt.bucket)
			}
			// Splitting the same bytes between salt and value changes nothing.
			for i := range len(tt.value) + 1 {
				salt, value := tt.value[:i], tt.value[i:]
				if got := bucketOf(salt, value); got != tt.bucket {
					t.Errorf("bucketOf(%q, %q) = %d; want %d", salt, value, got, tt.bucket)
				}
			}
		})
	}
}

// bucketVector is one frozen bucketing result of testdata/bucketing.json.
type bucketVector struct {
	Salt   string `json:"salt"`
	Value  string `json:"value"`
	Hash   uint32 `json:"hash"`
	Bucket uint32 `json:"bucket"`
}

// bucketVectorsFile holds the frozen vectors, relative to the package.
const bucketVectorsFile = "testdata/bucketing.json"

// bucketingInputs lists the (salt, value) pairs frozen in
// testdata/bucketing.json: the five edges, ASCII and Unicode keys, empty
// salts and values, every tail length of the hash, inputs around and beyond
// the 256-byte stack buffer, and integers as their digits.
func bucketingInputs() [][2]string {
	var in [][2]string
	add := func(salt, value string) { in = append(in, [2]string{salt, value}) }
	for _, v := range []string{"ejOoVL", "bY9fO-", "SI7p-", "6LvT0", "ceQdGm"} {
		add("", v)
	}
	for i := range 50 {
		add("new-checkout", "user-"+strconv.Itoa(i))
	}
	for i := range 15 {
		add("theme-2026", "acct-"+strconv.Itoa(i*7919))
	}
	for i := range 15 {
		add("", "user-"+strconv.Itoa(i))
	}
	for _, v := range []string{"a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "abcdefghi"} {
		add("tail", v)
	}
	add("", "")
	add("salt-only", "")
	add("new-checkout", "")
	unicode := []string{
		"ø", "Åse", "Ærlig", "Bjørn", "straße", "naïve", "e\u0301", "é", "Ωmega", "日本語",
		"사용자", "пользователь", "مستخدم", "🚀", "👩‍💻", "ǅ", "\u00a0", "x\u200by", "ﬁ", "İstanbul",
	}
	for _, v := range unicode {
		add("new-checkout", v)
	}
	for _, salt := range []string{"ø", "日本語", "🚀"} {
		add(salt, "user-42")
	}
	for _, n := range []int{1, 100, 200, 243, 244, 245, 255, 256, 257, 300, 1000, 4096} {
		add("new-checkout", strings.Repeat("x", n)) // salt is 12 bytes: 255, 256, 257 in total around 243..245
	}
	add(strings.Repeat("s", 256), "user-1")
	add(strings.Repeat("s", 250), "123456")
	add(strings.Repeat("s", 250), "1234567")
	add(strings.Repeat("ø", 200), "user-1")
	ints := []string{
		"0", "1", "7", "42", "-1", "-42", "99", "100", "255", "-128", "256", "1000",
		"32767", "-32768", "65535", "2147483647", "-2147483648", "4294967295",
		"16777216", "9007199254740992", "-9007199254740992",
		"9223372036854775807", "-9223372036854775808", "18446744073709551615",
	}
	for _, v := range ints {
		add("rate-limit", v)
	}
	for i := range 16 {
		add("", strconv.Itoa(i*104729+1))
	}
	for i := range 16 {
		add("acct-salt", strconv.FormatInt(int64(i)*-7777777, 10))
	}
	return in
}

func TestBucketingVectors(t *testing.T) {
	if *updateVectors {
		var buf bytes.Buffer
		buf.WriteString("[\n")
		inputs := bucketingInputs()
		for i, in := range inputs {
			h := refMurmur3([]byte(in[0] + in[1]))
			line, err := vectorLine(bucketVector{Salt: in[0], Value: in[1], Hash: h, Bucket: bucketOfHash(h)})
			if err != nil {
				t.Fatal(err)
			}
			buf.WriteString("  ")
			buf.Write(line)
			if i < len(inputs)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString("]\n")
		if err := os.WriteFile(filepath.FromSlash(bucketVectorsFile), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	data, err := os.ReadFile(filepath.FromSlash(bucketVectorsFile))
	if err != nil {
		t.Fatal(err)
	}
	var vectors []bucketVector
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatalf("%s: %v", bucketVectorsFile, err)
	}
	inputs := bucketingInputs()
	if len(vectors) != len(inputs) {
		t.Fatalf("%s has %d vectors; bucketingInputs has %d (run go test -run TestBucketingVectors -update-vectors to add new inputs)",
			bucketVectorsFile, len(vectors), len(inputs))
	}
	for i, v := range vectors {
		if v.Salt != inputs[i][0] || v.Value != inputs[i][1] {
			t.Errorf("vector %d is (%q, %q); bucketingInputs has (%q, %q)", i, v.Salt, v.Value, inputs[i][0], inputs[i][1])
		}
		if got := bucketOf(v.Salt, v.Value); got != v.Bucket {
			t.Errorf("bucketOf(%q, %q) = %d; want %d (frozen)", v.Salt, v.Value, got, v.Bucket)
		}
		if got := saltedHash(v.Salt, v.Value); got != v.Hash {
			t.Errorf("saltedHash(%q, %q) = %d; want %d (frozen)", v.Salt, v.Value, got, v.Hash)
		}
		if got := refMurmur3([]byte(v.Salt + v.Value)); got != v.Hash {
			t.Errorf("refMurmur3(%q) = %d; want %d (frozen)", v.Salt+v.Value, got, v.Hash)
		}
		if got := bucketOfHash(v.Hash); got != v.Bucket {
			t.Errorf("bucketOfHash(%d) = %d; want %d (frozen)", v.Hash, got, v.Bucket)
		}
		if v.Value == "" {
			if _, ok := subjectBucket(v.Salt, v.Value); ok {
				t.Errorf("subjectBucket(%q, %q) has a value; want none", v.Salt, v.Value)
			}
			continue
		}
		if got, ok := subjectBucket(v.Salt, v.Value); got != v.Bucket || !ok {
			t.Errorf("subjectBucket(%q, %q) = %d, %v; want %d, true", v.Salt, v.Value, got, ok, v.Bucket)
		}
		// Integers hash as their digits, whatever their Go type.
		if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil && strconv.FormatInt(n, 10) == v.Value {
			if got, ok := subjectBucket(v.Salt, n); got != v.Bucket || !ok {
				t.Errorf("subjectBucket(%q, int64(%d)) = %d, %v; want %d, true", v.Salt, n, got, ok, v.Bucket)
			}
			if got, ok := subjectBucket(v.Salt, json.Number(v.Value)); got != v.Bucket || !ok {
				t.Errorf("subjectBucket(%q, json.Number(%q)) = %d, %v; want %d, true", v.Salt, v.Value, got, ok, v.Bucket)
			}
		}
		if n, err := strconv.ParseUint(v.Value, 10, 64); err == nil && strconv.FormatUint(n, 10) == v.Value {
			if got, ok := subjectBucket(v.Salt, n); got != v.Bucket || !ok {
				t.Errorf("subjectBucket(%q, uint64(%d)) = %d, %v; want %d, true", v.Salt, n, got, ok, v.Bucket)
			}
		}
	}
	// The edges are part of the frozen set.
	for _, edge := range []bucketVector{
		{"", "ejOoVL", 0, 0}, {"", "bY9fO-", 1, 0}, {"", "SI7p-", 1<<31 - 1, 49999},
		{"", "6LvT0", 1 << 31, 50000}, {"", "ceQdGm", math.MaxUint32, 99999},
	} {
		found := false
		for _, v := range vectors {
			found = found || v == edge
		}
		if !found {
			t.Errorf("%s lacks the edge vector %+v", bucketVectorsFile, edge)
		}
	}
}

// vectorLine encodes v as one line of JSON, keeping non-ASCII text and
// <, >, & as they are so the vectors stay readable.
func vectorLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// bucketTestString is a defined string type, which subjectBucket does not
// see as a string: it matches types without reflection.
type bucketTestString string

func TestSubjectBucket(t *testing.T) {
	const salt = "rate-limit"
	tests := []struct {
		name string
		v    any
		want string // the text hashed; "" means no value
	}{
		{"string", "user-42", "user-42"},
		{"unicode string", "Bjørn", "Bjørn"},
		{"digits string", "42", "42"},
		{"empty string", "", ""},
		{"nil", nil, ""},
		{"int", 42, "42"},
		{"negative int", -42, "-42"},
		{"int8 min", int8(math.MinInt8), "-128"},
		{"int8 max", int8(math.MaxInt8), "127"},
		{"int16 min", int16(math.MinInt16), "-32768"},
		{"int32 max", int32(math.MaxInt32), "2147483647"},
		{"int64 min", int64(math.MinInt64), "-9223372036854775808"},
		{"int64 max", int64(math.MaxInt64), "9223372036854775807"},
		{"uint", uint(42), "42"},
		{"uint8 max", uint8(math.MaxUint8), "255"},
		{"uint16 max", uint16(math.MaxUint16), "65535"},
		{"uint32 max", uint32(math.MaxUint32), "4294967295"},
		{"uint64 max", uint64(math.MaxUint64), "18446744073709551615"},
		{"zero", 0, "0"},
		{"float64 whole", 42.0, "42"},
		{"float64 negative whole", -7.0, "-7"},
		{"float64 negative zero", math.Copysign(0, -1), "0"},
		{"float64 1e15", 1e15, "1000000000000000"},
		{"float64 2^53", float64(1 << 53), "9007199254740992"},
		{"float64 -2^53", -float64(1 << 53), "-9007199254740992"},
		{"float64 2^53+2", float64(1<<53 + 2), ""},
		{"float64 -2^53-2", -float64(1<<53 + 2), ""},
		{"float64 1e300", 1e300, ""},
		{"float64 fraction", 42.5, ""},
		{"float64 tiny fraction", 1e-300, ""},
		{"float64 NaN", math.NaN(), ""},
		{"float64 +Inf", math.Inf(1), ""},
		{"float64 -Inf", math.Inf(-1), ""},
		{"float32 whole", float32(42), "42"},
		{"float32 2^24", float32(1 << 24), "16777216"},
		{"float32 fraction", float32(0.5), ""},
		{"float32 max", float32(math.MaxFloat32), ""},
		{"float32 NaN", float32(math.NaN()), ""},
		{"json.Number", json.Number("42"), "42"},
		{"json.Number negative", json.Number("-42"), "-42"},
		{"json.Number leading zeros", json.Number("042"), "42"},
		{"json.Number plus", json.Number("+7"), "7"},
		{"json.Number minus zero", json.Number("-0"), "0"},
		{"json.Number int64 max", json.Number("9223372036854775807"), "9223372036854775807"},
		{"json.Number int64 min", json.Number("-9223372036854775808"), "-9223372036854775808"},
		{"json.Number over int64", json.Number("9223372036854775808"), ""},
		{"json.Number under int64", json.Number("-9223372036854775809"), ""},
		{"json.Number decimal", json.Number("42.0"), ""},
		{"json.Number exponent", json.Number("1e3"), ""},
		{"json.Number empty", json.Number(""), ""},
		{"json.Number sign only", json.Number("-"), ""},
		{"json.Number space", json.Number(" 42"), ""},
		{"bool", true, ""},
		{"struct", struct{ ID int }{42}, ""},
		{"byte slice", []byte("user-42"), ""},
		{"string slice", []string{"user-42"}, ""},
		{"time", time.Unix(42, 0), ""},
		{"uintptr", uintptr(42), ""},
		{"defined string type", bucketTestString("user-42"), ""},
		{"pointer to string", new(string), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := subjectBucket(salt, tt.v)
			if tt.want == "" {
				if ok {
					t.Errorf("subjectBucket(%q, %#v) = %d, true; want no value", salt, tt.v, got)
				}
				return
			}
			if want := bucketOf(salt, tt.want); got != want || !ok {
				t.Errorf("subjectBucket(%q, %#v) = %d, %v; want %d, true (the bucket of %q)", salt, tt.v, got, ok, want, tt.want)
			}
		})
	}

	t.Run("int 42 and string 42 share a bucket", func(t *testing.T) {
		for _, salt := range []string{"", "new-checkout", strings.Repeat("s", 300)} {
			b1, ok1 := subjectBucket(salt, 42)
			b2, ok2 := subjectBucket(salt, "42")
			if b1 != b2 || !ok1 || !ok2 {
				t.Errorf("subjectBucket(%q, 42) = %d, %v; subjectBucket(%q, %q) = %d, %v; want equal", salt, b1, ok1, salt, "42", b2, ok2)
			}
		}
	})
}

func TestParseBucketInt(t *testing.T) {
	// parseBucketInt must agree with strconv.ParseInt(s, 10, 64), which it
	// replaces only to avoid allocating an error.
	inputs := []string{
		"", "0", "-0", "+0", "7", "-7", "+7", "007", "42", "-", "+", "+-1", "--1", "1-",
		"1.0", "1e3", "0x10", "1_000", " 1", "1 ", "٣", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "99999999999999999999", "18446744073709551616",
		"000000000000000000000000000042",
	}
	for _, s := range inputs {
		want, err := strconv.ParseInt(s, 10, 64)
		got, ok := parseBucketInt(s)
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("parseBucketInt(%q) = %d, %v; want %d, %v", s, got, ok, want, err == nil)
		}
	}
}

func TestBucketAllocs(t *testing.T) {
	var (
		sink     uint32
		intValue any = 123456789 // boxed once, outside the measured calls
		u64Value any = uint64(math.MaxUint64)
		f64Value any = 1234567.0
		numValue any = json.Number("-9223372036854775808")
		badNum   any = json.Number("42.5")
		strValue any = "user-123456789"
	)
	long := strings.Repeat("x", 256-len("new-checkout"))
	tests := []struct {
		name string
		f    func()
	}{
		{"bucketOf short", func() { sink += bucketOf("new-checkout", "user-123456789") }},
		{"bucketOf 256 bytes", func() { sink += bucketOf("new-checkout", long) }},
		{"bucketOf empty salt", func() { sink += bucketOf("", "user-123456789") }},
		{"subjectBucket string", func() { b, _ := subjectBucket("new-checkout", strValue); sink += b }},
		{"subjectBucket int", func() { b, _ := subjectBucket("new-checkout", intValue); sink += b }},
		{"subjectBucket uint64", func() { b, _ := subjectBucket("new-checkout", u64Value); sink += b }},
		{"subjectBucket float64", func() { b, _ := subjectBucket("new-checkout", f64Value); sink += b }},
		{"subjectBucket json.Number", func() { b, _ := subjectBucket("new-checkout", numValue); sink += b }},
		{"subjectBucket bad json.Number", func() { b, _ := subjectBucket("new-checkout", badNum); sink += b }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if allocs := testing.AllocsPerRun(100, tt.f); allocs != 0 {
				t.Errorf("%s: %v allocations per run; want 0", tt.name, allocs)
			}
		})
	}
	_ = sink
}

// distributionKeys returns the keys user-0 .. user-99999.
func distributionKeys() []string {
	keys := make([]string, 100000)
	for i := range keys {
		keys[i] = "user-" + strconv.Itoa(i)
	}
	return keys
}

// checkShare fails unless count out of total is want % ± 1 point.
func checkShare(t *testing.T, what string, count, total int, want float64) {
	t.Helper()
	got := 100 * float64(count) / float64(total)
	if math.Abs(got-want) > 1 {
		t.Errorf("%s = %.3f %%; want %.0f %% ± 1", what, got, want)
	}
}

func TestBucketDistribution(t *testing.T) {
	keys := distributionKeys()
	const salt = "new-checkout"
	buckets := make([]uint32, len(keys))
	for i, k := range keys {
		buckets[i] = bucketOf(salt, k)
	}

	t.Run("percent 25", func(t *testing.T) {
		n := 0
		for _, b := range buckets {
			if b < 25000 {
				n++
			}
		}
		checkShare(t, "share inside percent 25", n, len(keys), 25)
	})

	t.Run("raising 20 to 30 only adds", func(t *testing.T) {
		in20, in30 := 0, 0
		for i, b := range buckets {
			if b < 20000 {
				in20++
				if b >= 30000 {
					t.Fatalf("%s is inside 20 %% but not 30 %%", keys[i])
				}
			}
			if b < 30000 {
				in30++
			}
		}
		checkShare(t, "share added by 20 -> 30", in30-in20, len(keys), 10)
	})

	bounds := []int32{50000, 75000, 100000}
	t.Run("split 50/25/25", func(t *testing.T) {
		var counts [3]int
		for i, b := range buckets {
			idx, ok := splitPick(bounds, b, 100000)
			if !ok {
				t.Fatalf("splitPick(%v, %d, 100000) for %s is not served", bounds, b, keys[i])
			}
			counts[idx]++
		}
		for i, want := range []float64{50, 25, 25} {
			checkShare(t, fmt.Sprintf("share of variant %d", i), counts[i], len(keys), want)
		}
	})

	t.Run("raising a split's percent never moves a subject", func(t *testing.T) {
		percents := []int32{0, 1, 10000, 33333, 50000, 99999, 100000}
		for i, b := range buckets {
			served := -1
			for _, p := range percents {
				idx, ok := splitPick(bounds, b, p)
				switch {
				case ok && served >= 0 && idx != served:
					t.Fatalf("%s moved from variant %d to %d at percent %d", keys[i], served, idx, p)
				case !ok && served >= 0:
					t.Fatalf("%s left variant %d at percent %d", keys[i], served, p)
				case ok:
					served = idx
				}
			}
		}
		n := 0
		for _, b := range buckets {
			if _, ok := splitPick(bounds, b, 10000); ok {
				n++
			}
		}
		checkShare(t, "share served by the split at 10 %", n, len(keys), 10)
	})

	t.Run("different salts are independent", func(t *testing.T) {
		both, same := 0, 0
		for i, k := range keys {
			other := bucketOf("checkout-theme", k)
			if buckets[i] < 50000 && other < 50000 {
				both++
			}
			if again := bucketOf(salt, k); again == buckets[i] {
				same++
			}
		}
		checkShare(t, "overlap of two 50 % populations", both, len(keys), 25)
		if same != len(keys) {
			t.Errorf("%d of %d keys kept their bucket under the same salt; want all", same, len(keys))
		}
	})
}

func TestParsePercent(t *testing.T) {
	good := []struct {
		text string
		want int32
	}{
		{"0", 0},
		{"0.0", 0},
		{"0.000", 0},
		{"0.001", 1},
		{"0.5", 500},
		{"5", 5000},
		{"25", 25000},
		{"33.333", 33333},
		{"50.05", 50050},
		{"99.999", 99999},
		{"100", 100000},
		{"100.0", 100000},
		{"100.000", 100000},
		{"007", 7000},
		{"00000000000000000000000000001", 1000},
	}
	for _, tt := range good {
		got, err := parsePercent(tt.text)
		if got != tt.want || err != nil {
			t.Errorf("parsePercent(%q) = %d, %v; want %d, nil", tt.text, got, err, tt.want)
		}
	}

	bad := []struct {
		text string
		want string
	}{
		{"140", "140 is outside 0..100"},
		{"100.001", "100.001 is outside 0..100"},
		{"101", "101 is outside 0..100"},
		{"99999999999999999999999", "99999999999999999999999 is outside 0..100"},
		{"-5", "-5 is outside 0..100"},
		{"-0.001", "-0.001 is outside 0..100"},
		{"12.3456", "12.3456 has more than 3 decimals"},
		{"1.2500", "1.2500 has more than 3 decimals"},
		{"140.1234", "140.1234 has more than 3 decimals"},
		{"abc", `"abc" is not a number`},
		{"", `"" is not a number`},
		{"-0", `"-0" is not a number`},
		{"-", `"-" is not a number`},
		{"+5", `"+5" is not a number`},
		{"--5", `"--5" is not a number`},
		{"1e2", `"1e2" is not a number`},
		{"0x10", `"0x10" is not a number`},
		{" 5", `" 5" is not a number`},
		{"5 ", `"5 " is not a number`},
		{"5%", `"5%" is not a number`},
		{"5.", `"5." is not a number`},
		{".5", `".5" is not a number`},
		{"5.5.5", `"5.5.5" is not a number`},
		{"1_000", `"1_000" is not a number`},
		{"1,5", `"1,5" is not a number`},
		{"Inf", `"Inf" is not a number`},
		{"NaN", `"NaN" is not a number`},
		{"٣", `"٣" is not a number`},
	}
	for _, tt := range bad {
		got, err := parsePercent(tt.text)
		if err == nil || err.Error() != tt.want {
			t.Errorf("parsePercent(%q) = %d, %v; want error %q", tt.text, got, err, tt.want)
		}
	}

	t.Run("thirds sum to 100", func(t *testing.T) {
		var sum int32
		for _, s := range []string{"33.333", "33.333", "33.334"} {
			v, err := parsePercent(s)
			if err != nil {
				t.Fatalf("parsePercent(%q) = %v", s, err)
			}
			sum += v
		}
		if sum != bucketCount {
			t.Errorf("33.333 + 33.333 + 33.334 = %d thousandths; want %d", sum, bucketCount)
		}
	})
}

// rampOracle computes v₀ + ⌊(v₁ − v₀)(t − t₀) / (t₁ − t₀)⌋ with math/big,
// independently of rampThreshold's 128-bit arithmetic.
func rampOracle(p0, p1 rampPoint, now int64) int32 {
	num := new(big.Int).Mul(big.NewInt(int64(p1.value)-int64(p0.value)), new(big.Int).Sub(big.NewInt(now), big.NewInt(p0.at)))
	den := new(big.Int).Sub(big.NewInt(p1.at), big.NewInt(p0.at))
	q := new(big.Int).Div(num, den) // Euclidean division: the floor for den > 0
	return int32(q.Int64() + int64(p0.value))
}

func TestRampThreshold(t *testing.T) {
	up := []rampPoint{{1000, 5000}, {2000, 50000}}
	thirds := []rampPoint{{0, 0}, {3, 100000}}
	down := []rampPoint{{0, 100000}, {3, 0}}
	downOdd := []rampPoint{{0, 1000}, {7, 1}}
	steps := []rampPoint{{1000, 0}, {1000, 20000}, {2000, 20000}, {2000, 60000}}
	firstStep := []rampPoint{{1000, 10000}, {1000, 30000}}
	huge := []rampPoint{{math.MinInt64, 0}, {math.MaxInt64, 100000}}
	hugeDown := []rampPoint{{math.MinInt64, 100000}, {math.MaxInt64, 0}}
	three := []rampPoint{{0, 0}, {100, 10000}, {200, 100000}}
	tests := []struct {
		name   string
		points []rampPoint
		now    int64
		want   int32
	}{
		{"no points", nil, 0, 0},
		{"single point before", []rampPoint{{1000, 25000}}, 999, 0},
		{"single point at", []rampPoint{{1000, 25000}}, 1000, 25000},
		{"single point after", []rampPoint{{1000, 25000}}, 5000, 25000},
		{"before", up, 0, 0},
		{"just before", up, 999, 0},
		{"far before", up, math.MinInt64, 0},
		{"at first", up, 1000, 5000},
		{"just after first", up, 1001, 5045},
		{"middle", up, 1500, 27500},
		{"just before last", up, 1999, 49955},
		{"at last", up, 2000, 50000},
		{"after last", up, 1e18, 50000},
		{"far after", up, math.MaxInt64, 50000},
		{"thirds 1", thirds, 1, 33333},
		{"thirds 2", thirds, 2, 66666},
		{"down 1 floors toward -inf", down, 1, 66666},
		{"down 2 floors toward -inf", down, 2, 33333},
		{"down at end", down, 3, 0},
		{"down odd", downOdd, 3, 571},
		{"step before", steps, 999, 0},
		{"step at first time takes the later value", steps, 1000, 20000},
		{"step flat", steps, 1500, 20000},
		{"step just before second", steps, 1999, 20000},
		{"step at second time takes the later value", steps, 2000, 60000},
		{"step after", steps, 3000, 60000},
		{"first point a step", firstStep, 1000, 30000},
		{"first point a step, before", firstStep, 999, 0},
		{"huge at min", []rampPoint{{math.MinInt64, 7}, {math.MaxInt64, 100000}}, math.MinInt64, 7},
		{"huge at -1", huge, -1, 49999},
		{"huge at 0", huge, 0, 50000},
		{"huge at max", huge, math.MaxInt64, 100000},
		{"huge down at 0", hugeDown, 0, 49999},
		{"huge down at -1", hugeDown, -1, 50000},
		{"huge down at 1", hugeDown, 1, 49999},
		{"huge down at -2", hugeDown, -2, 50000},
		{"three points second segment", three, 150, 55000},
		{"three points middle point", three, 100, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rampThreshold(tt.points, tt.now); got != tt.want {
				t.Errorf("rampThreshold(%v, %d) = %d; want %d", tt.points, tt.now, got, tt.want)
			}
		})
	}

	t.Run("agrees with math/big", func(t *testing.T) {
		segments := [][2]rampPoint{
			{{1000, 5000}, {2000, 50000}},
			{{0, 100000}, {7, 0}},
			{{-5, 3}, {1 << 62, 99997}},
			{{math.MinInt64, 100000}, {math.MaxInt64, 1}},
			{{math.MinInt64 / 3, 0}, {math.MaxInt64 / 5 * 4, 100000}},
			{{1767225600000, 77777}, {1767225600001, 12}},
		}
		for _, seg := range segments {
			span := uint64(seg[1].at) - uint64(seg[0].at)
			for k := range uint64(101) {
				// 101 times spread over the segment, with its ends.
				hi, lo := bits.Mul64(span, k)
				off, _ := bits.Div64(hi, lo, 101)
				now := int64(uint64(seg[0].at) + off)
				if got, want := rampThreshold(seg[:], now), rampOracle(seg[0], seg[1], now); got != want {
					t.Errorf("rampThreshold(%v, %d) = %d; want %d", seg, now, got, want)
				}
			}
		}
	})

	t.Run("increasing ramp never drops a subject", func(t *testing.T) {
		ramp := []rampPoint{{0, 0}, {1000, 3333}, {1000, 5000}, {5000, 77777}, {9000, 100000}}
		keys := distributionKeys()[:2000]
		buckets := make([]uint32, len(keys))
		for i, k := range keys {
			buckets[i] = bucketOf("ramp", k)
		}
		prev := int32(0)
		inside := make([]bool, len(keys))
		for now := int64(-10); now <= 9010; now += 7 {
			th := rampThreshold(ramp, now)
			if th < prev {
				t.Fatalf("rampThreshold(%v, %d) = %d; below %d a moment earlier", ramp, now, th, prev)
			}
			prev = th
			for i, k := range keys {
				in := buckets[i] < uint32(th)
				if inside[i] && !in {
					t.Fatalf("%s left the ramp at %d", k, now)
				}
				inside[i] = in
			}
		}
	})

	t.Run("points out of order do not panic", func(t *testing.T) {
		bad := []rampPoint{{2000, 50000}, {1000, 100000}, {1000, 0}, {3000, 7}, {-5, 1}}
		for now := int64(-10); now < 4000; now += 13 {
			if got := rampThreshold(bad, now); got < 0 || got > 100000 {
				t.Errorf("rampThreshold(%v, %d) = %d; want within 0..100000", bad, now, got)
			}
		}
	})
}

func TestSplitPick(t *testing.T) {
	abc := []int32{50000, 75000, 100000}
	zeroMiddle := []int32{50000, 50000, 100000}
	zeroFirst := []int32{0, 100000}
	thirds := []int32{33333, 66666, 100000}
	const none = -1
	tests := []struct {
		name   string
		bounds []int32
		bucket uint32
		p      int32
		want   int // none: not served
	}{
		{"first", abc, 0, 100000, 0},
		{"end of first", abc, 49999, 100000, 0},
		{"start of second", abc, 50000, 100000, 1},
		{"end of second", abc, 74999, 100000, 1},
		{"start of third", abc, 75000, 100000, 2},
		{"last bucket", abc, 99999, 100000, 2},
		{"outside the buckets", abc, 100000, 100000, none},
		{"percent 0", abc, 0, 0, none},
		{"negative percent", abc, 0, -1, none},
		{"10 % of first", abc, 4999, 10000, 0},
		{"beyond 10 % of first", abc, 5000, 10000, none},
		{"10 % of second", abc, 52499, 10000, 1},
		{"beyond 10 % of second", abc, 52500, 10000, none},
		{"10 % of third", abc, 77499, 10000, 2},
		{"beyond 10 % of third", abc, 77500, 10000, none},
		{"0.001 % of first", abc, 0, 1, none}, // ⌊50000 × 1 / 100000⌋ = 0
		{"0.002 % of first", abc, 0, 2, 0},
		{"zero weight is skipped", zeroMiddle, 50000, 100000, 2},
		{"before a zero weight", zeroMiddle, 49999, 100000, 0},
		{"zero weight first", zeroFirst, 0, 100000, 1},
		{"thirds at 50 %: last of first", thirds, 16665, 50000, 0},
		{"thirds at 50 %: beyond first", thirds, 16666, 50000, none},
		{"thirds at 50 %: last of third", thirds, 83332, 50000, 2},
		{"thirds at 50 %: beyond third", thirds, 83333, 50000, none},
		{"no variants", nil, 0, 100000, none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, ok := splitPick(tt.bounds, tt.bucket, tt.p)
			if tt.want == none {
				if ok {
					t.Errorf("splitPick(%v, %d, %d) = %d, true; want not served", tt.bounds, tt.bucket, tt.p, idx)
				}
				return
			}
			if idx != tt.want || !ok {
				t.Errorf("splitPick(%v, %d, %d) = %d, %v; want %d, true", tt.bounds, tt.bucket, tt.p, idx, ok, tt.want)
			}
		})
	}
}

func FuzzParsePercent(f *testing.F) {
	for _, s := range []string{"0", "25", "33.333", "100", "100.000", "140", "12.3456", "abc", "-5", ".5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		v, err := parsePercent(text)
		if err != nil {
			if v != 0 {
				t.Errorf("parsePercent(%q) = %d, %v; want 0 with an error", text, v, err)
			}
			return
		}
		if v < 0 || v > bucketCount {
			t.Fatalf("parsePercent(%q) = %d; want within 0..%d", text, v, bucketCount)
		}
		again := fmt.Sprintf("%d.%03d", v/1000, v%1000)
		if w, err := parsePercent(again); w != v || err != nil {
			t.Errorf("parsePercent(%q) = %d, %v; want %d, nil (from %q)", again, w, err, v, text)
		}
		// An accepted text is a decimal number whose value is exactly v/1000.
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.Round(f*1000) != float64(v) {
			t.Errorf("parsePercent(%q) = %d; strconv.ParseFloat says %v, %v", text, v, f, err)
		}
	})
}

func BenchmarkBucketOf(b *testing.B) {
	b.ReportAllocs()
	var sink uint32
	for b.Loop() {
		sink += bucketOf("new-checkout", "user-123456789")
	}
	_ = sink
}

func BenchmarkSubjectBucketInt(b *testing.B) {
	b.ReportAllocs()
	var v any = 123456789
	var sink uint32
	for b.Loop() {
		bucket, _ := subjectBucket("new-checkout", v)
		sink += bucket
	}
	_ = sink
}

func BenchmarkSubjectBucketString(b *testing.B) {
	b.ReportAllocs()
	var v any = "user-123456789"
	var sink uint32
	for b.Loop() {
		bucket, _ := subjectBucket("new-checkout", v)
		sink += bucket
	}
	_ = sink
}
