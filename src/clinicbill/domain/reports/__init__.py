"""Reports computed into one table shape: aging, worklists, revenue, underpaid lines."""
