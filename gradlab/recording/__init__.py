"""Record a forward pass: where gradient history was cut, in-place changes, `.grad` reads.

`record()` installs a `TorchFunctionMode` (`mode.py`) that sees the program's torch calls,
classifies each (`classify.py`) and hands it to one handler family (`cuts.py`, `in_place.py`,
`backward.py`, `silent.py`), which write typed events (`events.py`) through the shared `Books`;
torch's own layers run without it where nothing inside them can be news (`trusted.py`). It holds
tensors weakly, never changes grad mode and installs no saved-tensor hooks, so the watched code
computes exactly what it computes without it. Every change outside gradlab's own objects (the
module-call wrapper, the warnings tap, optimizer step hooks, the zero_grad wrappers) is owned by
`instrument.INSTRUMENT`: warnings a call raises are re-issued at the line that made the call,
once, through the program's own filters; anomaly mode's forward traceback keeps only the
program's frames. Private torch APIs live in `gradlab/_autograd.py`.

One difference cannot be avoided: while any TorchFunctionMode is active, PyTorch skips the fused
"fast path" of `nn.TransformerEncoder`/`nn.MultiheadAttention` in eval mode and takes the
ordinary one, whose outputs differ in the last bits (about 1e-6).
"""

from __future__ import annotations

from gradlab._autograd import current_function_modes, next_sequence_nr, storage_address
from gradlab.recording.events import UNSEEN, Event, Recording, Warned, Where, describe_file
from gradlab.recording.frames import exception_where, is_internal, user_where
from gradlab.recording.instrument import INSTRUMENT, Watch
from gradlab.recording.mode import Recorder
from gradlab.recording.trusted import Switch

__all__ = ["Event", "Recording", "Warned", "Where", "describe_file", "exception_where",
           "is_internal", "record", "storage_address", "user_where"]


class record:
    """Record the torch calls made inside a `with` block; yields a `Recording`."""

    def __init__(self) -> None:
        self.recording = Recording()
        self._mode: Recorder | None = None

    def __enter__(self) -> Recording:
        recording = self.recording
        if recording.finished:
            raise ValueError("this gl.record() was already used; start a new one: "
                             "`with gl.record() as rec:`")
        if any(isinstance(m, Recorder) for m in current_function_modes()):
            raise ValueError("gl.record() is already recording here; nested recordings are "
                             "not supported: use the outer Recording")
        mode = Recorder(recording)
        recording.module_starts.append(next_sequence_nr())
        recording.module_owners.append(None)
        INSTRUMENT.start(Watch(recording.warned, recording.module_starts,
                               recording.module_owners, recording.trained,
                               switch=Switch(mode)))
        try:
            mode.__enter__()  # type: ignore[no-untyped-call]
        except BaseException:
            INSTRUMENT.stop(recording=True)
            raise
        self._mode = mode
        recording.active = True
        return recording

    def __exit__(self, *exc: object) -> None:
        assert self._mode is not None
        try:
            self._mode.__exit__(*exc)  # type: ignore[no-untyped-call]
        finally:
            INSTRUMENT.stop(recording=True)
            self.recording.module_starts.append(next_sequence_nr())
            self.recording.module_owners.append(UNSEEN)
            self._mode = None
            self.recording.active = False
            self.recording.finished = True
