#!/usr/bin/env python3
"""Compares an ingest report folder with the expected.json that scripts/generate-logs wrote.

Usage: compare-report.py EXPECTED.json REPORT_DIR   (exit 1 on any difference)
"""
import json, csv, sys
exp=json.load(open(sys.argv[1])); out=sys.argv[2]
summ=json.load(open(out+'/summary.json'))
bad=0
for k in ['lines','malformed','hits','bot_hits','pageviews','sessions','visitors']:
    if exp[k]!=summ[k]: print('MISMATCH',k,exp[k],summ[k]); bad+=1
got={r['channel']:r for r in csv.DictReader(open(out+'/traffic.csv'))}
for c in exp['channels']:
    g=got.pop(c['channel'],None)
    if not g: print('missing channel',c['channel']); bad+=1; continue
    for f in ['sessions','users','pageviews','engaged_sessions']:
        e=c[f if f!='engaged_sessions' else 'engaged']
        if int(g[f])!=e: print('MISMATCH',c['channel'],f,e,g[f]); bad+=1
    if abs(float(g["bounce_rate"])-c["bounces"]/c["sessions"])>0.00005+1e-12: print('MISMATCH bounce',c['channel'],c['bounces']/c['sessions'],g['bounce_rate']); bad+=1
for k in got: print('extra channel',k); bad+=1
gs={(r['channel'],r['source'],r['medium']):r for r in csv.DictReader(open(out+'/sources.csv'))}
for s in exp['sources']:
    k=(s['channel'],s['source'],s['medium']); g=gs.pop(k,None)
    if not g: print('missing source',k); bad+=1; continue
    for f in ['sessions','users','pageviews']:
        if int(g[f])!=s[f]: print('MISMATCH',k,f,s[f],g[f]); bad+=1
for k in gs: print('extra source',k, gs[k]['sessions']); bad+=1
gd={(r['date'],r['channel']):r for r in csv.DictReader(open(out+'/daily.csv'))}
for s in exp['daily']:
    k=(s['date'],s['channel']); g=gd.pop(k,None)
    if not g: print('missing day',k); bad+=1; continue
    for f in ['sessions','users','pageviews']:
        if int(g[f])!=s[f]: print('MISMATCH',k,f,s[f],g[f]); bad+=1
for k in gd: print('extra day',k); bad+=1
print('OK: every figure matches' if bad==0 else f'{bad} mismatches')
sys.exit(1 if bad else 0)
