"""Shared helpers below every room (as healthchecks' ``hc/lib``): they import no room, any room may import them."""
