;;; lspmode_check.el --- headless check of docs/editors.md's lsp-mode set-up  -*- lexical-binding: t -*-
;; Loaded after the docs' snippet; visits model.py of a copy of tests/fixtures/lsp_workspace
;; (the current directory) and exits 1 on any failure.

(defun hpman-check--fail (fmt &rest args)
  "Print why the check failed and exit 1."
  (princ (concat "lsp-mode check FAILED: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun hpman-check--wait (what pred)
  "Wait up to 20 s for PRED; fail naming WHAT.
Batch Emacs is never idle and never redisplays, so run what an idle editor
runs: `lsp-deferred' starts the server from an idle timer."
  (let ((deadline (+ (float-time) 20)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (run-hooks 'post-command-hook)
      (run-window-configuration-change-hook)
      (mapc #'timer-event-handler (copy-sequence timer-idle-list))
      (accept-process-output nil 0.05))
    (unless (funcall pred) (hpman-check--fail "%s" what))))

(defun hpman-check--problems ()
  "The diagnostics lsp-mode holds for problems.py."
  (gethash (expand-file-name "problems.py") (lsp-diagnostics t)))

;; what a user answers once: the folder is the project root (no prompt in batch)
(setq lsp-session-file (expand-file-name "../lsp-session")
      lsp-auto-guess-root t)

(condition-case err
    (progn
      (find-file "model.py")
      (hpman-check--wait "lsp-mode never initialized hpman"
                         (lambda () (and (bound-and-true-p lsp-mode) (lsp-workspaces)
                                         (eq (lsp--workspace-status (car (lsp-workspaces))) 'initialized))))
      (message "lsp-mode %s: hpman initialized" (package-version-join (package-desc-version (cadr (assq 'lsp-mode package-alist)))))
      (goto-char (point-min))
      (search-forward "_('lr'")
      (let* ((hover (lsp-request "textDocument/hover" (lsp--text-document-position-params)))
             (text (and hover (gethash "value" (gethash "contents" hover)))))
        (unless (and text (string-match-p "0\\.05" text))
          (hpman-check--fail "hover lacks the values file value 0.05: %S" text))
        (message "lsp-mode: hover: %s" (car (split-string text "\n"))))
      (hpman-check--wait "no diagnostics for problems.py" #'hpman-check--problems)
      (message "lsp-mode: %d diagnostics for problems.py" (length (hpman-check--problems)))
      (let ((tree (lsp-request "hpman/tree" (make-hash-table))))
        (unless (> (length (gethash "managers" tree)) 0)
          (hpman-check--fail "hpman/tree has no managers"))
        (message "lsp-mode: hpman/tree: %d managers" (length (gethash "managers" tree))))
      (with-current-buffer "*Messages*"
        (when (string-match-p "Unknown notification" (buffer-string))
          (hpman-check--fail "lsp-mode warned about an unknown notification")))
      (kill-emacs 0))
  (error (hpman-check--fail "%s" (error-message-string err))))
