;;; eglot_check.el --- headless check of docs/editors.md's eglot set-up  -*- lexical-binding: t -*-
;; Loaded after the docs' snippet; visits model.py of a copy of tests/fixtures/lsp_workspace
;; (the current directory, holding the docs' .dir-locals.el) and exits 1 on any failure.

(defun hpman-check--fail (fmt &rest args)
  "Print why the check failed and exit 1."
  (princ (concat "emacs check FAILED: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun hpman-check--wait (what pred)
  "Wait up to 20 s for PRED; fail naming WHAT.
Batch Emacs has no command loop and no redisplay, so run the hooks they run:
eglot-ensure connects from `post-command-hook', and flymake starts in a buffer
that was not yet shown when eglot took it over from
`window-configuration-change-hook'."
  (let ((deadline (+ (float-time) 20)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (run-hooks 'post-command-hook)
      (run-window-configuration-change-hook)
      (accept-process-output nil 0.05))
    (unless (funcall pred) (hpman-check--fail "%s" what))))

(condition-case err
    (progn
      (setq enable-local-variables :all)
      (find-file "model.py")
      (hpman-check--wait "eglot never managed model.py" (lambda () (bound-and-true-p eglot--managed-mode)))
      (message "emacs: eglot %s manages model.py" (package-version-join (package-desc-version (cadr (assq 'eglot package-alist)))))
      (goto-char (point-min))
      (search-forward "_('lr'")
      (let* ((hover (jsonrpc-request (eglot-current-server) :textDocument/hover
                                     (eglot--TextDocumentPositionParams)))
             (contents (plist-get hover :contents))
             (text (if (stringp contents) contents (plist-get contents :value))))
        (unless (and text (string-match-p "0\\.05" text))
          (hpman-check--fail "hover lacks the values file value 0.05: %S" hover))
        (message "emacs: hover: %s" (car (split-string text "\n"))))
      (find-file "problems.py")
      (hpman-check--wait "no diagnostics on problems.py" (lambda () (flymake-diagnostics)))
      (message "emacs: %d diagnostics on problems.py" (length (flymake-diagnostics)))
      (let ((tree (jsonrpc-request (eglot-current-server) :hpman/tree (make-hash-table))))
        (unless (> (length (plist-get tree :managers)) 0)
          (hpman-check--fail "hpman/tree has no managers: %S" tree))
        (message "emacs: hpman/tree: %d managers" (length (plist-get tree :managers))))
      (kill-emacs 0))
  (error (hpman-check--fail "%s" (error-message-string err))))
