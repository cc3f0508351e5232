"""Where does GAIN's bias on the X:Bin interaction come from? (development check, seed experiment)

For each of REPS data sets (seed 200 + r) it imputes m = 5 times with the given socgan.impute
options and reports the mean difference of the X:Bin estimate from the estimate on the complete
(pre-deletion) data: with everything imputed, with only X imputed (Bin put back to its true
values) and with only Bin imputed (X put back).

    python bench/dev/gain_design_check.py '{"epochs": 200}' 6
"""
import numpy as np, torch, sys, json, warnings, time
warnings.filterwarnings("ignore")
import socgan, statsmodels.formula.api as smf
from socgan.datasets import seed_experiment
opts=json.loads(sys.argv[1]); reps=int(sys.argv[2]) if len(sys.argv)>2 else 4
out=[]; t0=time.time()
for s in range(reps):
    df=seed_experiment(1000, seed=200+s); full=seed_experiment(1000, seed=200+s, missing=False)
    imp=socgan.impute(df, m=5, seed=s, progress=False, **opts)
    row=[]
    for d in imp.datasets:
        f=lambda D: smf.ols("Y~X*Bin", D).fit().params["X:Bin"]
        dx=d.copy(); dx["Bin"]=full["Bin"]      # only X imputed
        db=d.copy(); db["X"]=full["X"]          # only Bin imputed
        row.append([f(full), f(d), f(dx), f(db)])
    out.append(np.mean(row,0))
o=np.array(out); print(opts, "t=%.0fs"%(time.time()-t0), "X:Bin truth-data %.3f | all imputed %+.3f | X only %+.3f | Bin only %+.3f"%(o[:,0].mean(), (o[:,1]-o[:,0]).mean(), (o[:,2]-o[:,0]).mean(), (o[:,3]-o[:,0]).mean()))
