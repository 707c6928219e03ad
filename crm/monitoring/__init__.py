"""What the operators' tools read: `GET /healthz` for the load balancer and `/metrics` for
Prometheus (views.py); the checks behind them (health.py) and the instruments (metrics.py)."""
