"""Pure domain logic: no I/O, no SQL, no Textual, no wall clock."""
