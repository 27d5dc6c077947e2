"""Prometheus metrics of one service process."""

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class StoreCollector:
    """Documents and chunks, counted in the database at scrape time (right with several replicas)."""

    def __init__(self, store):
        self.store = store

    def collect(self):
        try:
            documents, chunks = self.store.counts()
        except Exception:  # a scrape must not fail with the database
            return
        yield GaugeMetricFamily("rag_documents", "Documents in the index.", value=documents)
        yield GaugeMetricFamily("rag_chunks", "Chunks in the index.", value=chunks)


class Metrics:
    def __init__(self, store=None):
        self.registry = CollectorRegistry()
        self.requests = Histogram("rag_request_duration_seconds", "HTTP request latency.",
                                  ["method", "endpoint", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.embedding_seconds = Histogram("rag_embedding_duration_seconds", "Time spent computing embeddings.",
                                           ["kind"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.retrieval_seconds = Histogram("rag_retrieval_duration_seconds", "Query embedding plus search.",
                                           ["mode"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.generation_seconds = Histogram("rag_generation_duration_seconds", "Answer generation.",
                                            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.indexed = Counter("rag_index_requests", "Index requests by result.", ["result"], registry=self.registry)
        if store is not None:
            self.registry.register(StoreCollector(store))
