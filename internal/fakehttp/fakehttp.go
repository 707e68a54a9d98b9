// Package fakehttp fakes HTTP servers for flagkit's tests at the
// http.RoundTripper level: no sockets, so tests run inside testing/synctest
// bubbles and control every byte and error a source sees.
package fakehttp

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Transport is an http.RoundTripper that answers every request with the
// function.
type Transport func(*http.Request) (*http.Response, error)

// RoundTrip calls t.
func (t Transport) RoundTrip(r *http.Request) (*http.Response, error) { return t(r) }

// Client returns an http.Client whose requests fn answers.
func Client(fn func(*http.Request) (*http.Response, error)) *http.Client {
	return &http.Client{Transport: Transport(fn)}
}

// Response returns a response to r with the status code, the body and the
// header key-value pairs kv.
func Response(r *http.Request, code int, body string, kv ...string) *http.Response {
	resp := &http.Response{
		StatusCode:    code,
		Status:        fmt.Sprintf("%d %s", code, http.StatusText(code)),
		Header:        make(http.Header),
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}
	for i := 0; i+1 < len(kv); i += 2 {
		resp.Header.Set(kv[i], kv[i+1])
	}
	return resp
}
