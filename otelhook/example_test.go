package otelhook_test

import (
	"context"
	"fmt"

	"github.com/flagkit/flagkit"
	"github.com/flagkit/flagkit/otelhook"
	"github.com/flagkit/flagkit/source"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func Example() {
	ctx := context.Background()
	// A program would use its configured TracerProvider; this one records
	// spans in memory so that the example can print them.
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	defer tp.Shutdown(ctx)

	c, err := flagkit.New(ctx,
		flagkit.WithSource(source.Bytes("embedded:flags.yaml", []byte("flags:\n  new-checkout: {default: on}\n"))),
		flagkit.WithHook(otelhook.New()),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	ctx, span := tp.Tracer("example").Start(ctx, "GET /checkout")
	c.Bool(ctx, "new-checkout", flagkit.Subject{Key: "user-42"}, false)
	span.End()

	for _, e := range recorder.Ended()[0].Events() {
		fmt.Println(e.Name)
		for _, kv := range e.Attributes {
			fmt.Printf("  %s: %s\n", kv.Key, kv.Value.String())
		}
	}
	// Output:
	// feature_flag.evaluation
	//   feature_flag.key: new-checkout
	//   feature_flag.provider.name: flagkit
	//   feature_flag.result.reason: static
	//   feature_flag.result.variant: on
	//   feature_flag.context.id: user-42
	//   flagkit.source: embedded:flags.yaml
}
