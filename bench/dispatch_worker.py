"""One P4 dispatch process: what a Celery worker process does when dispatch_email tasks keep coming
(content.tasks.dispatch_email calls deliveries_dispatch), without a broker in between. Started by
bench/figures/p4_dispatch_rate.py with the bench environment; prints "ready", waits for "go" on stdin
so every process starts sending at once, dispatches until no email is due, prints its counts as JSON."""

import json
import sys
import time


def main() -> int:
    import django

    django.setup()
    from content.delivery.dispatcher import deliveries_dispatch
    from content.delivery.models import Channel, Delivery, DeliveryStatus

    due = Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.PENDING)
    due.exists()  # connect before the start signal
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.monotonic()
    sent = calls = 0
    while True:
        calls += 1
        sent += deliveries_dispatch()
        if not due.exists():
            break
    print(json.dumps({"sent": sent, "calls": calls, "seconds": time.monotonic() - started}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
