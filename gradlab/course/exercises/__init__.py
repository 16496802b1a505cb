"""The course's exercises: one module per exercise, found by its id (nothing else to edit).

Exercise "05" lives in `ex05.py`; capstone case "12.3" in `ex12_3.py`. Each module defines
`EXERCISE`, an `gradlab.course.exercise.Exercise`. `gl.grade("05", globals())` runs the
learner's class or function (named `name`) and the `solution` on the exercise's seed and data
(`x`: 16 x `features` normal values times `spread`, `y`: 16 x 1; the cell also sees `torch`,
`nn`, `F`, `np`) and compares the goal's parts:

- `parameters` (default on): the same parameters, trainable, from the same values, all given
  to an optimizer when the reference builds one;
- `forward` (default `("output", "loss")`): these values of the run;
- `gradients` (default on): every parameter's `.grad`;
- `quantities`: other values, name -> what it is in words (e.g. `"hidden_grad": "the gradient
  of the loss with respect to `h`"`).

A class is run as one training step (the model, SGD over `model.parameters()`, `output =
model(x)`, `loss = F.mse_loss(output, y)`, `loss.backward()`); a function runs as written and
returns `locals()`. State in `goal` exactly what must hold, so that every right route passes:
switch off what the goal does not ask for (`gradients=False` when only a value is asked).
`hints` are three: 1 the symptom in words, 2 where (the line or the parameter), 3 the fix.
`right` lists other right routes and `wrong` single-edit wrong answers with words their
feedback must contain, as `Edit`s of the solution; tests/course run them all, and check that
`starter` (the code the lesson cell shows) fails, unless it equals the solution: a correct idiom
to leave alone, for which any edit that changes the gradients is wrong.

A minimal exercise, `ex03.py`::

    from gradlab.course.exercise import Edit, Exercise

    STARTER = '''\\
    class Classifier(nn.Module):
        ...
    '''
    SOLUTION = '''\\
    class Classifier(nn.Module):
        ...
    '''
    EXERCISE = Exercise(
        name="Classifier",
        lesson="03_no_grad_block",
        goal="`Classifier` trains its encoder and its head: ... each get the reference's "
             "gradient; the output is unchanged.",
        starter=STARTER,
        solution=SOLUTION,
        hints=("The encoder never learns: ...", "Look at the decorator above `encode` ...",
               "Remove `@torch.no_grad()` ..."),
        right=(Edit("torch.tanh(self.encoder(x))", "self.encoder(x).tanh()"),),
        wrong=(Edit("torch.tanh(self.encoder(x))", "torch.tanh(self.encoder(x)).detach()",
                    says=".detach() cut encoder.weight"),),
    )
"""
