package flagkitof_test

import (
	"context"
	"fmt"

	"github.com/flagkit/flagkit"
	flagkitof "github.com/flagkit/flagkit/openfeature"
	"github.com/flagkit/flagkit/source"
	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
)

func Example() {
	ctx := context.Background()
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("embedded:flags.yaml", []byte(`
flags:
  new-checkout:
    metadata: {owner: payments}
    default: off
    rules:
      - name: staff first
        when: {email: {ends_with: "@example.com"}}
        serve: on
`))))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	// A program would use the global API: openfeature.SetProviderAndWait.
	api := isolated.NewAPI()
	defer api.Shutdown(ctx)
	if err := api.SetProviderAndWait(ctx, flagkitof.New(c)); err != nil {
		fmt.Println(err)
		return
	}
	client := api.NewClient()

	staff := openfeature.NewEvaluationContext("user-42", map[string]any{"email": "ann@example.com"})
	d, err := client.BooleanValueDetails(ctx, "new-checkout", false, staff)
	fmt.Println(d.Value, d.Variant, d.Reason, d.FlagMetadata, err)

	d, err = client.BooleanValueDetails(ctx, "no-such-flag", false, staff)
	fmt.Println(d.Value, d.Reason, d.ErrorCode, err != nil)
	// Output:
	// true on TARGETING_MATCH map[owner:payments] <nil>
	// false ERROR FLAG_NOT_FOUND true
}

// With WithSourceAndRule, the flag metadata also says which layer served the
// value and which rule decided it.
func ExampleWithSourceAndRule() {
	ctx := context.Background()
	c, err := flagkit.New(ctx, flagkit.WithSource(source.Bytes("embedded:flags.yaml", []byte(`
flags:
  new-checkout:
    metadata: {owner: payments}
    default: off
    rules:
      - name: staff first
        when: {email: {ends_with: "@example.com"}}
        serve: on
`))))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	api := isolated.NewAPI()
	defer api.Shutdown(ctx)
	if err := api.SetProviderAndWait(ctx, flagkitof.New(c, flagkitof.WithSourceAndRule())); err != nil {
		fmt.Println(err)
		return
	}
	staff := openfeature.NewEvaluationContext("user-42", map[string]any{"email": "ann@example.com"})
	d, _ := api.NewClient().BooleanValueDetails(ctx, "new-checkout", false, staff)
	fmt.Println(d.FlagMetadata["owner"], d.FlagMetadata["source"], d.FlagMetadata["rule"])
	// Output:
	// payments embedded:flags.yaml staff first
}
