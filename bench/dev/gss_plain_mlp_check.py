"""A plain torch MLP on the complete GSSvocab rows (bench/RESULTS.md, fourteenth session).
Run: python bench/dev/gss_plain_mlp_check.py nll 0.01"""
import pandas as pd, numpy as np, torch, math, sys
torch.manual_seed(0); torch.set_num_threads(1)
d = pd.read_pickle("/tmp/pytrial/gss_full.pkl"); m = pd.read_pickle("/tmp/pytrial/gss_mar.pkl")
X = np.column_stack([d.year, d.gender=="male", d.nativeBorn=="yes", d.age.astype(float), d.educ.astype(float)]).astype(float)
X = (X - X.mean(0))/X.std(0)
y = d.vocab.astype(float).to_numpy(); ym, ys = y.mean(), y.std(); yz = (y-ym)/ys
miss = m.vocab.isna().to_numpy(); fb = (d.nativeBorn=="no").to_numpy() & miss
obs = np.flatnonzero(~miss)
Xt = torch.tensor(X, dtype=torch.float32); yt = torch.tensor(yz, dtype=torch.float32)
loss_kind = sys.argv[1]
net = torch.nn.Sequential(torch.nn.Linear(5,128), torch.nn.ReLU(), torch.nn.Linear(128,128), torch.nn.ReLU(), torch.nn.Linear(128,2))
opt = torch.optim.Adam(net.parameters(), lr=float(sys.argv[2]), weight_decay=1e-5)
steps = 4000
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
for s in range(steps):
    b = torch.tensor(np.random.choice(obs, 128))
    out = net(Xt[b]); mu, ls = out[:,0], out[:,1].clamp(-7,4)
    if loss_kind == "nll": loss = (ls + 0.5*((yt[b]-mu)/ls.exp())**2).mean()
    else: loss = ((yt[b]-mu)**2).mean()
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
with torch.no_grad(): mu = net(Xt)[:,0].numpy()*ys+ym
print(loss_kind, sys.argv[2], "fb missing pred", mu[fb].mean().round(2), "native missing", mu[miss & ~fb].mean().round(2), "fb observed pred", mu[(d.nativeBorn=='no').to_numpy() & ~miss].mean().round(2), "fb observed actual", y[(d.nativeBorn=='no').to_numpy() & ~miss].mean().round(2))
