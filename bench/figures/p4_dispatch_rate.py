"""P4: four dispatch processes share the global send limit (DELIVERY_RATE) and send to a local SMTP
sink. The achieved rate is compared with the configured one (at least 90 %), and no 1-second window,
sliding or aligned, may hold more than the limit: counted at the sink (what a mail provider sees) and
on the rows' sent_at (when each send took its token)."""

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime

from django.utils import timezone

from bench.bulk import execute, insert_select
from bench.context import Context
from bench.report import Figure
from bench.smtp_sink import SmtpSink
from content.delivery.models import Channel, Delivery, DeliveryStatus
from content.models import Post
from members.models import Member

WORKERS = 4
RATE_TARGET = 0.9


def _recipients_ready(count: int) -> list[int]:
    """The first `count` active members, instant email, no quiet hours, room under their daily cap."""
    ids = list(Member.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[:count])
    execute(
        "UPDATE members_member SET email_mode = 'instant', quiet_hours_start = '00:00',"
        " quiet_hours_end = '00:00', email_daily_cap = 20, email_new_posts = true WHERE id = ANY(%s)",
        [ids],
    )
    return ids


def _deliveries(recipients: list[int]) -> int:
    post = Post.objects.create(
        space_id=1,
        author_id=1,
        title="Bench dispatch",
        body="Sent to the sink.",
        body_html="<p>Sent to the sink.</p>",
        body_fingerprint="bench-p4",
    )
    # nothing else may be due: the figure counts only its own rows
    execute(
        "UPDATE content_delivery SET status = 'cancelled', reason = 'bench: not part of P4'"
        " WHERE channel = 'email' AND status IN ('pending', 'sending')"
    )
    insert_select(
        Delivery,
        {
            "source_kind": "'post.published'",
            "source_id": "%(post)s",
            "recipient_id": "id",
            "channel": "'email'",
            "category": "'posts'",
            "status": "'pending'",
            "due_at": "now()",
            "created_at": "now()",
        },
        "FROM unnest(%(ids)s::bigint[]) AS id",
        {"post": post.pk, "ids": recipients},
    )
    return post.pk


def _windows(times: list[float]) -> dict:
    """Achieved rate between the first and last send; the busiest sliding and aligned 1-s windows."""
    times = sorted(times)
    if len(times) < 2:
        return {"count": len(times), "rate": None, "max_sliding": len(times), "max_aligned": len(times)}
    busiest, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return {
        "count": len(times),
        "seconds": times[-1] - times[0],
        "rate": (len(times) - 1) / (times[-1] - times[0]),
        "max_sliding": busiest,
        "max_aligned": max(Counter(int(t) for t in times).values()),
    }


def _workers(context: Context, port: int) -> list[subprocess.Popen]:
    env = context.env(EMAIL_URL=f"smtp://127.0.0.1:{port}")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.dispatch_worker"],
            cwd=context.root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=context.log_path(f"dispatch-{n}.log").open("w"),
            text=True,
        )
        for n in range(WORKERS)
    ]
    for process in processes:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("a dispatch worker did not start; see var/bench/dispatch-*.log")
    return processes


def _wait(processes: list[subprocess.Popen], *, deadline: float) -> list[dict]:
    """Each process's counts; a process still running at the deadline is stopped and says so."""
    outputs = []
    for process in processes:
        try:
            out = process.communicate(timeout=max(1.0, deadline - time.monotonic()))[0]
            outputs.append(json.loads(out.strip().splitlines()[-1]))
        except (subprocess.TimeoutExpired, ValueError, IndexError):
            process.kill()
            process.communicate()
            outputs.append({"timed_out_or_failed": True})
    return outputs


def measure(context: Context) -> list[Figure]:
    rate = context.config.rate
    recipients = _recipients_ready(context.scale.emails)
    post_id = _deliveries(recipients)
    sink = SmtpSink().start()
    try:
        processes = _workers(context, sink.port)
        for process in processes:  # all at once
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = _wait(processes, deadline=time.monotonic() + max(300, len(recipients) / 10))
        time.sleep(0.2)  # the last replies reach the sink
    finally:
        sink.stop()
    rows = Delivery.objects.filter(source_kind="post.published", source_id=post_id, channel=Channel.EMAIL)
    statuses = dict(Counter(rows.values_list("status", flat=True)))
    sent_at: list[datetime] = list(rows.filter(status=DeliveryStatus.SENT).values_list("sent_at", flat=True))
    at_sink = _windows([a.at for a in sink.arrivals])
    at_token = _windows([t.timestamp() for t in sent_at])
    distinct = len({a.message_id for a in sink.arrivals})
    achieved = at_sink["rate"]
    ratio = achieved / rate if achieved else None
    never_above = at_sink["max_sliding"] <= rate and at_token["max_sliding"] <= rate
    note = (
        f"busiest 1-s window: {at_sink['max_sliding']} at the sink, {at_token['max_sliding']} by sent_at "
        f"(aligned seconds: {at_sink['max_aligned']} / {at_token['max_aligned']}); "
        f"{len(sink.arrivals)} messages, {distinct} Message-IDs, rows {statuses}"
    )
    return [
        Figure(
            id="P4",
            what=f"dispatch, {WORKERS} processes, limit {rate}/s",
            unit="emails/s",
            baseline=rate,
            value=achieved,
            ratio=ratio,
            target=f">= {RATE_TARGET:.2f}, never above",
            passed=ratio is not None and ratio >= RATE_TARGET and never_above,
            note=note,
            details={
                "at_sink": at_sink,
                "by_sent_at": at_token,
                "workers": outputs,
                "statuses": statuses,
                "distinct_message_ids": distinct,
                "measured_at": timezone.now().isoformat(),
            },
        )
    ]
