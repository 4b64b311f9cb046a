"""Independent loopback test servers, one module per convention document.

Each server keeps its convention document (in ``../shared/seeds/``) to the letter and differs from the
bundled demo APIs wherever the document leaves room. They were written from the documents alone,
without reading ``conformance/demo/`` or the rule implementations, so that they can show the tool's
false alarms on APIs that conform but were not written beside the rules.

- :mod:`.featbit_flags`    FeatBit REST API overview (000, 001), profile ``featbit``
- :mod:`.connectnow_shop`  ConnectNow API philosophy (004), profile ``connectnow``
- :mod:`.basic_crud_notes` API reference overview (003), profile ``basic-crud``

They are Werkzeug WSGI applications served by :class:`.serving.LoopbackServer` on 127.0.0.1.
"""
