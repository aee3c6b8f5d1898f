"""The framework's floor: a bare Flask "hello" served with the same gunicorn settings as the portals.

    .venv/bin/gunicorn bench.hello_app:app --bind 127.0.0.1:8099 --workers 2 --threads 4

Benchmarks report each page's throughput as a ratio to this app's.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
