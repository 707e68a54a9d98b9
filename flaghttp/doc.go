// Package flaghttp connects flagkit to net/http: a [Middleware] that works
// out who each request is for and takes one [flagkit.View] of the flags
// per request, helpers that answer a flag from a request's context in one
// call ([Bool], [String], [Int], [Float], [Object], [Evaluate]), and a
// read-only [Debug] page that shows the flags in force.
//
// # Flags in handlers
//
// Install the middleware once, near the top of the handler stack, after
// authentication so that it can see the user:
//
//	c, err := flagkit.New(ctx, flagkit.WithSource(source.File("flags.yaml")))
//	...
//	mux := http.NewServeMux()
//	mux.HandleFunc("/checkout", checkout)
//	handler := flaghttp.Middleware(c, subject)(mux)
//
// Any handler below it then reads a flag with the request's context alone:
//
//	func checkout(w http.ResponseWriter, r *http.Request) {
//		if flaghttp.Bool(r.Context(), "new-checkout", false) {
//			...
//		}
//	}
//
// Every flag read during one request is answered from the same snapshot of
// the definitions and the same clock reading, so two flags that are meant
// to agree (a feature and its prerequisite, a launch scheduled for one
// instant) never disagree within a request, even if the flag file is
// reloaded or a release window opens while it runs.
//
// # Subjects
//
// A [SubjectFunc] builds the [flagkit.Subject] of a request: a stable key
// for percentage rollouts (the user's or the account's id; for anonymous
// traffic, a session or device id from a cookie) and the attributes that
// cohorts and conditions match. Take identity from what your
// authentication established, not from headers a client can set; see the
// package's examples. [RemoteIP] gives the peer's address as a
// [net/netip.Addr], which the in_cidr operator matches.
//
// Outside net/http (a gRPC interceptor, a queue consumer), [NewContext]
// stores a view and a subject in any context, and the helpers work the
// same.
//
// # The debug page
//
// [Debug] serves a read-only page, in HTML or JSON, with every flag's
// definition, the layer that serves it, the overrides in force, the health
// of each source, the problems isolated and the scheduled transitions to
// come, and a form that explains one evaluation for a subject you type
// in. Mount it where operators, not users, can reach it.
package flaghttp
