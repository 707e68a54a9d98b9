package flagkittest

// Exported for the tests of package flagkittest_test.
var (
	VariantsOf = variantsOf
	Dedent     = dedent
)
