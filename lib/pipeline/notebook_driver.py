"""The Python side of lib/pipeline/notebook_runner.ts: executes one notebook with nbclient,
exports HTML, and prints a JSON result after the @@SER_RESULT@@ marker.

Usage: python3 notebook_driver.py '<json args>' with keys input, kernel, timeout, grace, cwd,
ipynb_out, html_out (see runNotebook in notebook_runner.ts).
"""
import json, queue, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async
from nbconvert import HTMLExporter

args = json.loads(sys.argv[1])
nb = nbformat.read(args["input"], as_version=4)
state = {"cell": None}

def on_cell_execute(cell, cell_index, **kwargs):
    state["cell"] = cell_index

class LateOutputClient(NotebookClient):
    """The Deno kernel can publish Deno.jupyter.display() output just after its "idle" status;
    nbclient stops listening at "idle" and would drop it. Keep collecting the cell's messages
    until none has arrived for a grace period."""

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        idle = False
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(
                    timeout=args["grace"] if idle else None))
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            if idle and msg["msg_type"] == "status":
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                idle = True

client = LateOutputClient(
    nb,
    kernel_name=args["kernel"],
    timeout=args["timeout"],
    resources={"metadata": {"path": args["cwd"]}},
    record_timing=True,
    on_cell_execute=on_cell_execute,
)
error = None
start = time.time()
try:
    client.execute()
except Exception as exc:
    cell = state["cell"]
    detail = {"kind": type(exc).__name__, "cell": cell, "ename": "", "evalue": "", "traceback": ""}
    if cell is not None:
        for output in nb.cells[cell].get("outputs", []):
            if output.get("output_type") == "error":
                detail["ename"] = output.get("ename", "")
                detail["evalue"] = output.get("evalue", "")
                detail["traceback"] = "\n".join(output.get("traceback", []))
        detail["source"] = nb.cells[cell].source
    if not detail["evalue"]:
        detail["evalue"] = str(exc).strip()[-2000:]
    error = detail
seconds = time.time() - start
signed = None
try:
    # Trust the outputs we just produced (as "jupyter trust" does), so the front end runs the
    # charts' scripts when this notebook is opened: untrusted HTML output is shown without them.
    from nbformat.sign import NotebookNotary
    NotebookNotary().sign(nb)
    signed = True
except Exception as exc:
    signed = str(exc)
nbformat.write(nb, args["ipynb_out"])
html, _ = HTMLExporter().from_notebook_node(nb)
with open(args["html_out"], "w", encoding="utf-8") as handle:
    handle.write(html)
print("@@SER_RESULT@@" + json.dumps({"error": error, "seconds": seconds, "cells": len(nb.cells),
    "signed": signed}))
