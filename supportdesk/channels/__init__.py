"""Channels bring customers' messages in and take replies out; they reach the store only
through the Desk."""
