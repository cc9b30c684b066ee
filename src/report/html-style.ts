/** The report's whole style sheet: inline, so the file needs nothing from the network. */
export const HTML_STYLE = `
:root{--success:#2e7d32;--failed:#c62828;--fallback:#ef6c00;--skipped:#9e9e9e;--cancelled:#6a1b9a;--wait:#f9a825;--before:#607d8b;--completed:#2e7d32;--terminated_early:#c62828}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em;color:#1d2125;background:#fff}
h1{font-size:1.3em;margin:0 0 .6em}h2{font-size:1.1em;margin:1.4em 0 .5em}h3{font-size:1em;margin:1em 0 .3em}
small{color:#5f6b76;font-weight:normal}code{font:12px ui-monospace,Menlo,Consolas,monospace}
.summary{display:flex;flex-wrap:wrap;gap:.5em}.fact{border:1px solid #d8dee4;border-radius:6px;padding:.3em .7em;min-width:5.5em}
.fact span{display:block;font-size:.8em;color:#5f6b76}.fact b{font-size:1.15em}.meta{color:#5f6b76;font-size:.9em}
.none{padding:1em;border:1px dashed #aaa;border-radius:6px}
.legend{font-size:.85em;color:#3a444d}.key{display:inline-block;width:1.6em;height:.8em;margin:0 .3em 0 .8em;vertical-align:middle;border-radius:2px}
.timeline{position:relative;border:1px solid #d8dee4;border-radius:6px;padding:.2em 0;overflow:hidden}
.grid{position:absolute;left:280px;right:28px;top:0;bottom:0;pointer-events:none}.grid i{position:absolute;top:0;bottom:0;border-left:1px dotted #c9d1d9}
.row{display:flex;align-items:center;min-height:20px}.row.chain{margin-top:.35em;font-weight:600}
.label{width:280px;flex:none;box-sizing:border-box;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;font-size:.85em}
.track{position:relative;flex:1;height:16px;margin-right:28px}
.axis .track span{position:absolute;top:0;transform:translateX(-50%);font-size:.75em;color:#5f6b76;white-space:nowrap}
.axis .label{color:#5f6b76;font-size:.75em}
.track>span{position:absolute;top:3px;height:10px;border-radius:2px}
.span{top:6px!important;height:4px!important;opacity:.45}.chain .span{height:6px!important;top:5px!important;opacity:.3}
.bar{min-width:2px;top:2px!important;height:12px!important}
.mark{width:3px;height:12px!important;top:2px!important;margin-left:-1px}
.retry_wait,.key.retry_wait{background:repeating-linear-gradient(135deg,var(--wait) 0 3px,#fff3c4 3px 6px)}
.before_send,.key.before_send{background:repeating-linear-gradient(45deg,var(--before) 0 2px,#dfe6ea 2px 5px)}
.key.span{background:#8896a3;height:.3em}
.success{background:var(--success)}.failed{background:var(--failed)}.fallback{background:var(--fallback)}
.skipped{background:var(--skipped)}.cancelled{background:var(--cancelled)}.completed{background:var(--completed)}.terminated_early{background:var(--terminated_early)}
.dot{display:inline-block;width:.6em;height:.6em;border-radius:50%;margin-right:.4em}
details.step{border-left:3px solid #d8dee4;margin:.2em 0;padding:.1em .6em;background:none}
details.step.success{border-color:var(--success)}details.step.failed{border-color:var(--failed)}details.step.fallback{border-color:var(--fallback)}
details.step.skipped{border-color:var(--skipped)}details.step.cancelled{border-color:var(--cancelled)}
summary{cursor:pointer}.st{color:#5f6b76;font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:.4em 0;font-size:.9em}dt{color:#5f6b76}dd{margin:0;white-space:pre-wrap;word-break:break-word}
pre{background:#f6f8fa;padding:.6em;border-radius:4px;overflow:auto;max-height:24em;font-size:12px}
.note,.k{color:#5f6b76;font-size:.85em;margin:.3em 0}.err{color:var(--failed)}
`;
