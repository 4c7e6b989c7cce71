"""A student without a browser: runs a notebook cell by cell in a real kernel, sets widget values
the way a click does (a comm message sets the trait, which fires the same observers), and applies
the frontend's ``set_next_input(replace=True)`` payload to the cell, as JupyterLab does."""

from __future__ import annotations

from jupyter_client.manager import start_new_kernel


class KernelStudent:
    def __init__(self, nb, cwd):
        self.nb = nb
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(cwd))

    def run(self, code: str) -> dict:
        outputs = []

        def hook(msg):
            if msg["msg_type"] in ("stream", "error", "execute_result"):
                outputs.append(msg["content"])

        reply = self.kc.execute_interactive(code, timeout=60, output_hook=hook)
        errors = [o for o in outputs if "ename" in o]
        if errors:
            raise AssertionError(f"{errors[0]['ename']}: {errors[0]['evalue']}")
        return {"reply": reply["content"], "outputs": outputs}

    def run_cell(self, index: int):
        cell = self.nb.cells[index]
        result = self.run(cell.source)
        for payload in result["reply"].get("payload", []):
            if payload.get("source") == "set_next_input" and payload.get("replace"):
                cell.source = payload["text"]
        return result

    def run_all(self):
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code":
                self.run_cell(i)

    def click(self, qid: str, item: str, value):
        self.run(f"import newslit.widgets as _w\n_w.live_form({qid!r}).controls[{item!r}].value = {value!r}")

    def status(self, qid: str) -> str:
        out = self.run(f"import newslit.widgets as _w\nprint(_w.live_form({qid!r}).status.value)")
        return "".join(o.get("text", "") for o in out["outputs"])

    def rerun_form(self, var: str):
        from harness import form_cell

        cell = form_cell(self.nb, var)
        return self.run_cell(self.nb.cells.index(cell))

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
