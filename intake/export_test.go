package intake

// Queued is how many items wait for the writer: the tests hold the writer
// and fill its queue, so that a batch holds what they chose.
func (w *Writer) Queued() int { return len(w.items) }
