"""The delivery engine: outbox rows written with the content, a planner that turns them into one
Delivery per recipient and channel, and a dispatcher that sends due emails under a global rate limit.
See "How a post travels" in DESIGN.md."""
