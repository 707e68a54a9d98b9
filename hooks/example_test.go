package hooks_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/hooks"
	"github.com/flagkit/flagkit/source"
)

const exampleFlags = `
flags:
  new-checkout:
    default: off
    rules:
      - name: beta
        when: {plan: {eq: enterprise}}
        serve: on
`

func ExampleCounter() {
	counter := new(hooks.Counter)
	// In main, to show the counts at /debug/vars:
	//
	//	expvar.Publish("flagkit", counter)
	ctx := context.Background()
	c, err := flagkit.New(ctx,
		flagkit.WithSource(source.Bytes("example", []byte(exampleFlags))),
		flagkit.WithHook(counter),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	for _, plan := range []string{"free", "pro", "enterprise"} {
		c.Bool(ctx, "new-checkout", flagkit.Subject{Key: plan, Attrs: flagkit.Attrs{"plan": plan}}, false)
	}
	c.Bool(ctx, "old-checkout", flagkit.Subject{}, false) // no such flag

	fmt.Println(counter.Count("new-checkout", "off"))
	fmt.Println(counter.Counts()["old-checkout"])
	fmt.Println(counter) // as expvar shows it
	// Output:
	// 2
	// map[(fallback):1]
	// {"new-checkout":{"off":2,"on":1},"old-checkout":{"(fallback)":1}}
}

func ExampleLog() {
	// Drop the time so that the output is stable.
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
	ctx := context.Background()
	c, err := flagkit.New(ctx,
		flagkit.WithSource(source.Bytes("example", []byte(exampleFlags))),
		flagkit.WithHook(hooks.Log(logger, slog.LevelDebug)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	c.Bool(ctx, "new-checkout", flagkit.Subject{Key: "user-1", Attrs: flagkit.Attrs{"plan": "enterprise"}}, false)
	// Output:
	// {"level":"DEBUG","msg":"flagkit: evaluation","flag":"new-checkout","subject":"user-1","variant":"on","type":"boolean","reason":"TARGETING_MATCH","rule":"beta","source":"example"}
}
