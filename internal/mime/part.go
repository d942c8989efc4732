package mime

// Part is one node of the MIME tree. (Filled in by the parser work.)
type Part struct{}
