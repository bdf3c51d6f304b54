import logging
import socket
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from resilnet.core import modules, services

HEARTBEAT_SECONDS = 5
SCHEDULE_SECONDS = 30  # how often a worker looks for due periodic tasks
logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run background tasks from the database queue, reporting a heartbeat."

    def add_arguments(self, parser):
        parser.add_argument("--queue", default="default", help="Queues to run, comma-separated.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *args, queue: str, interval: float, batch: bool, **options):
        worker_id = f"{socket.gethostname()[:40]}-{get_random_string(8)}"
        stop = threading.Event()

        def beat() -> None:
            while not stop.is_set():
                try:
                    services.record_worker_heartbeat(worker_id)
                except DatabaseError as exc:
                    # A busy database delays one beat; the next one catches up.
                    logger.warning("heartbeat not recorded: %s", exc)
                finally:
                    close_old_connections()
                stop.wait(HEARTBEAT_SECONDS)

        def schedule() -> None:
            periodic = [task for module in modules.installed() for task in module.periodic_tasks]
            while not stop.is_set():
                try:
                    services.enqueue_due_periodic_tasks(periodic)
                except DatabaseError as exc:
                    logger.warning("periodic tasks not scheduled: %s", exc)
                finally:
                    close_old_connections()
                stop.wait(SCHEDULE_SECONDS)

        services.record_worker_heartbeat(worker_id)
        threads = [threading.Thread(target=beat, name="heartbeat", daemon=True)]
        if not batch:  # a batch run works off what is queued; it schedules nothing new
            threads.append(threading.Thread(target=schedule, name="scheduler", daemon=True))
        for thread in threads:
            thread.start()
        worker = Worker(
            queue_names=queue.split(","),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(f"worker {worker_id} running queues {queue}")
        try:
            worker.run()
        finally:
            worker.reset_signals()
            stop.set()
            for thread in threads:
                thread.join(timeout=SCHEDULE_SECONDS + 1)
            services.remove_worker_heartbeat(worker_id)
