package bot

// HandOffOpen reports whether the intake's Accept may give entries to its
// hand-off workers.
func HandOffOpen(in *Intake) bool {
	in.handOff.mu.RLock()
	defer in.handOff.mu.RUnlock()
	return in.handOff.open
}
