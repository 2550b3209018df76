"""Annotating images in the app, without Qt: label arrays with undo, project folders, the workflow, retraining.

`Annotation` is one image's labels and edits (`annotation.py`), `AnnotationProject` the folder
they are saved in (images/ + masks/ + classes.json + rounds/, the layout the datasets read),
`AnnotateState` the evented fields the annotate widgets bind to (`workspace.py`),
`AnnotationSession` the workflow from "new project" to "close" (`session.py`), and
`train_on_annotations` the fine-tuning round a "Train on my annotations" button starts.
"""
