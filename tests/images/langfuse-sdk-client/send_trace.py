"""Called by the langfuse scenario: `auth`, or `trace ID` (a trace with one generation and its usage).

LANGFUSE_HOST, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY come from the environment, as the SDK reads them."""
import sys

from langfuse import Langfuse

client = Langfuse(max_retries=1)
if sys.argv[1] == "auth":
    print("auth_check: %s" % client.auth_check())
    sys.exit(0)
trace_id = sys.argv[2]
trace = client.trace(id=trace_id, name="chat", user_id="molecule", input="Which port?", output="8080", tags=["molecule"])
trace.generation(id=trace_id + "-generation", name="llm", model="llama3.1:8b", input=[{"role": "user", "content": "Which port?"}],
                 output="8080", usage={"input": 12, "output": 30, "unit": "TOKENS"})
client.flush()
print("sent %s" % trace_id)
