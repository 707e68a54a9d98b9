package flagkit

import (
	"net/netip"
	"strings"
)

// IP addresses of in_cidr attribute values. Operands (blocks) are parsed
// at load by net/netip (see parseBlock); a string attribute is parsed here,
// at evaluation time, by hand because netip.ParseAddr allocates its error
// for text that is not an address. checkParseIP holds it to netip's
// results.

// parseIP parses an IP address as netip.ParseAddr does, ignoring an IPv6
// zone and unmapping IPv4-mapped IPv6, without allocating (ParseAddr
// allocates its error).
func parseIP(s string) (netip.Addr, bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '.':
			var b [4]byte
			if !parseIPv4(s, b[:]) {
				return netip.Addr{}, false
			}
			return netip.AddrFrom4(b), true
		case ':':
			return parseIPv6(s)
		case '%':
			return netip.Addr{}, false
		}
	}
	return netip.Addr{}, false
}

// parseIPv4 parses dotted decimal into dst (4 bytes): four fields of 0-255
// without leading zeros.
func parseIPv4(s string, dst []byte) bool {
	field, val, digits := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			if digits == 1 && val == 0 {
				return false // leading zero
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return false
			}
		case c == '.':
			if digits == 0 || field == 3 {
				return false
			}
			dst[field] = byte(val)
			field, val, digits = field+1, 0, 0
		default:
			return false
		}
	}
	if field != 3 || digits == 0 {
		return false
	}
	dst[3] = byte(val)
	return true
}

// parseIPv6 parses an IPv6 address with an optional non-empty zone (dropped)
// and an optional embedded IPv4 tail.
func parseIPv6(s string) (netip.Addr, bool) {
	if i := strings.IndexByte(s, '%'); i >= 0 {
		if i == len(s)-1 {
			return netip.Addr{}, false
		}
		s = s[:i]
	}
	var ip [16]byte
	gap := -1 // where "::" is, in bytes of ip
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		gap = 0
		s = s[2:]
		if s == "" {
			return netip.AddrFrom16(ip).Unmap(), true
		}
	}
	n := 0 // bytes of ip filled
	for n < 16 {
		k, acc := 0, 0
		for ; k < len(s); k++ {
			d := hexValue(s[k])
			if d < 0 {
				break
			}
			if k == 4 {
				return netip.Addr{}, false // more than 4 hex digits
			}
			acc = acc<<4 | d
		}
		if k == 0 {
			return netip.Addr{}, false
		}
		if k < len(s) && s[k] == '.' { // an IPv4 tail
			if gap < 0 && n != 12 || n+4 > 16 || !parseIPv4(s, ip[n:n+4]) {
				return netip.Addr{}, false
			}
			n += 4
			s = ""
			break
		}
		ip[n], ip[n+1] = byte(acc>>8), byte(acc)
		n += 2
		s = s[k:]
		if s == "" {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return netip.Addr{}, false
		}
		s = s[1:]
		if s[0] == ':' {
			if gap >= 0 {
				return netip.Addr{}, false // a second "::"
			}
			gap = n
			s = s[1:]
			if s == "" {
				break
			}
		}
	}
	if s != "" {
		return netip.Addr{}, false
	}
	if n < 16 {
		if gap < 0 {
			return netip.Addr{}, false
		}
		shift := 16 - n
		copy(ip[gap+shift:], ip[gap:n])
		clear(ip[gap : gap+shift])
	} else if gap >= 0 {
		return netip.Addr{}, false // "::" must stand for at least one group
	}
	return netip.AddrFrom16(ip).Unmap(), true
}

func hexValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
