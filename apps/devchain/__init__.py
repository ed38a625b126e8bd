"""The embedded demo world: local chains with the demo tokens deployed, and simulators."""
