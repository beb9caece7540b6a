import { autocompletion, closeBrackets } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';
import { useEffect, useRef } from 'preact/hooks';
import { savedToken } from '../api';

interface Props {
  /** The committed query (from the URL): set as the text when it changes, not on every keystroke. */
  value: string;
  onChange: (q: string) => void;
  /** Enter runs the query (Shift+Enter adds a line). */
  onRun: (q: string) => void;
}

/**
 * The PromQL editor of Explore: highlighting, and completion of functions, metric names, label
 * names and values, which codemirror-promql asks of this server's /api/v1/labels, /series and
 * /label/…/values.
 */
export function PromQLEditor({ value, onChange, onRun }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const cb = useRef({ onChange, onRun });
  cb.current = { onChange, onRun };

  useEffect(() => {
    const headers = new Headers();
    const token = savedToken();
    if (token) headers.set('authorization', `Bearer ${token}`);
    const promql = new PromQLExtension().setComplete({
      remote: {
        url: '',
        requestHeaders: headers,
        // Completion is best effort: a failed look-up only means fewer suggestions.
        httpErrorHandler: () => undefined,
      },
    });
    const run = (v: EditorView) => {
      cb.current.onRun(v.state.doc.toString());
      return true;
    };
    const v = new EditorView({
      parent: box.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          closeBrackets(),
          bracketMatching(),
          autocompletion(),
          syntaxHighlighting(defaultHighlightStyle),
          placeholder('PromQL, e.g. topk(5, container_cpu_usage)'),
          keymap.of([
            { key: 'Enter', run },
            { key: 'Mod-Enter', run },
            ...historyKeymap,
            ...defaultKeymap,
          ]),
          promql.asExtension(),
          EditorView.lineWrapping,
          EditorView.updateListener.of((u) => {
            if (u.docChanged) cb.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
  }, []);

  // Outside changes (back/forward through the URL) replace the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value)
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  return <div class="editor" ref={box} data-testid="promql-editor" />;
}
